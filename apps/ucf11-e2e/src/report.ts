import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { histogram, inputMask, logAlphas, readMetrics, writeReport, type EpochRecord, type ReportData } from '@tfjs-compress/app-kit';
import { fileSystemHandler, formatReport } from '@tfjs-compress/prune';
import { selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { decodeClip } from '@tfjs-compress/video';
import './register.js';
import { formatResults, type CompressResults } from './compress.js';
import { readJson, readRun, runPaths } from './run-files.js';

const pct = (x: number | null | undefined) => (x == null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const count = (n: number) => n.toLocaleString('en-US');

/**
 * Writes <out>/report.html: the figures of `compress` (when run), the
 * training curves from metrics.jsonl, log alpha histograms of the VIB model
 * and its kept input pixels over the first frame of a test clip.
 */
export async function report(options: { out: string; backend: BackendChoice }, log: (line: string) => void = console.log): Promise<string> {
  await selectBackend(options.backend);
  const paths = runPaths(options.out);
  const run = readRun(options.out);
  const o = run.options;
  const history = existsSync(paths.metrics) ? readMetrics<EpochRecord>(paths.metrics) : [];
  const results = readJson<CompressResults>(paths.results);
  const data: ReportData = {
    title: 'UCF11 end-to-end VIB-LSTM',
    subtitle:
      `${run.classes.length} classes, ${run.train.length} training / ${run.test.length} test clips from ${o.data}; ` +
      `${o.frames} frames of ${o.width}x${o.height}x3 = ${count(run.features)} inputs; VIB-LSTM(${o.units}); seed ${o.seed}` +
      (results ? `; measured on ${results.backend}` : ''),
    table: [],
    history,
  };
  if (results) {
    data.table.push(
      { label: 'test accuracy', before: pct(results.before.accuracy), after: pct(results.after.accuracy) },
      { label: 'LSTM parameters', before: count(results.before.lstmParams), after: `${count(results.after.lstmParams)} (${results.lstmRatio.toFixed(1)}x fewer)` },
      { label: 'all parameters', before: count(results.before.params), after: count(results.after.params) },
      { label: 'FLOPs per clip', before: count(results.before.flops), after: count(results.after.flops) },
      { label: 'inputs', before: count(results.totalInputs), after: count(results.keptInputs) },
      { label: 'hidden units', before: results.totalUnits, after: results.keptUnits },
      { label: `latency per clip (median, ${results.backend})`, before: `${results.before.latency.medianMs.toFixed(2)} ms`, after: `${results.after.latency.medianMs.toFixed(2)} ms` },
      {
        label: 'test accuracy of the uncompressed model (before any KL pressure)',
        value: `${pct(results.uncompressedTestAccuracy)} at its last epoch, ${pct(results.uncompressedBestTestAccuracy)} at its best`,
      },
      { label: 'test accuracy at the end of the VIB phase (before fine-tuning)', value: pct(results.vibPhaseTestAccuracy) },
    );
    data.notes = `${formatResults(results)}\n\n${formatReport(results.report)}`;
  } else {
    data.table.push({ label: 'compression', value: "not run yet: run 'compress' for the before/after figures" });
  }
  if (existsSync(join(paths.vibModel, 'model.json'))) {
    const model = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
    const alphas = logAlphas(model);
    data.logAlpha = {};
    if (alphas.input) data.logAlpha['input gate'] = histogram(alphas.input);
    if (alphas.gates.length > 0) data.logAlpha['LSTM gates i, f, g, o'] = histogram(alphas.gates);
    const mask = inputMask(model);
    model.dispose();
    if (mask && mask.length === o.width * o.height * 3) {
      let frame: Uint8Array | undefined;
      const clip = run.test[0] ?? run.train[0];
      if (clip) {
        try {
          const decoded = await decodeClip(clip.path, { width: o.width, height: o.height, maxFrames: 1 });
          frame = decoded.data.subarray(0, o.width * o.height * 3);
        } catch (error) {
          log(`(no frame under the pixel mask: ${(error as Error).message})`);
        }
      }
      data.pixels = { width: o.width, height: o.height, channels: 3, mask, frame };
    }
  }
  await writeReport(paths.report, data);
  log(`report written to ${paths.report}`);
  return paths.report;
}
