import { inputMask, runReportData, unfinishedRun, writeReport } from '@tfjs-compress/app-kit';
import { selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { decodeClip } from '@tfjs-compress/video';
import './register.js';
import { readRun, runPaths } from './run-files.js';

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
  const unfinished = unfinishedRun(options.out, run);
  if (unfinished) log(`${unfinished}: the report shows its epochs so far; run 'train --out ${options.out} --resume' to finish it`);
  const o = run.options;
  const subtitle =
    `${run.classes.length} classes, ${run.train.length} training / ${run.test.length} test clips from ${o.data}; ` +
    `${o.frames} frames of ${o.width}x${o.height}x3 = ${count(run.features)} inputs; VIB-LSTM(${o.units}); seed ${o.seed}`;
  const data = await runReportData(options.out, { title: 'UCF11 end-to-end VIB-LSTM', subtitle }, async (model, report) => {
    const mask = inputMask(model);
    if (!mask || mask.length !== o.width * o.height * 3) return;
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
    report.pixels = { width: o.width, height: o.height, channels: 3, mask, frame };
  });
  await writeReport(paths.report, data);
  log(`report written to ${paths.report}`);
  return paths.report;
}
