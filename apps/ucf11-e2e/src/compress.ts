import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { evaluate, findRecurrentLayer, measureLatency, writeJsonAtomic, type BatchSource, type Evaluation, type Latency } from '@tfjs-compress/app-kit';
import { compact, fileSystemHandler, formatReport, loadCompact, saveCompact, type CompressionReport } from '@tfjs-compress/prune';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import './register.js';
import { videoSource } from './dataset.js';
import { readRun, runPaths, type RunRecord } from './run-files.js';

export interface ModelFigures {
  accuracy: number;
  loss: number;
  params: number;
  lstmParams: number;
  flops: number;
  latency: Latency;
}

/** What `compress` measures (results.json). */
export interface CompressResults {
  backend: string;
  testClips: number;
  classes: string[];
  /** Test accuracy at the end of the VIB phase, before fine-tuning with frozen masks. */
  vibPhaseTestAccuracy: number | null;
  /** Test accuracy of the uncompressed model (end of the plain phase or of the KL warm-up). */
  uncompressedTestAccuracy: number | null;
  /** Best test accuracy over those epochs. */
  uncompressedBestTestAccuracy: number | null;
  before: ModelFigures;
  after: ModelFigures;
  keptInputs: number;
  totalInputs: number;
  keptUnits: number;
  totalUnits: number;
  /** Paper convention (two biases): 4H'(H'+L') + 8H'. */
  lstmParamsPaper: { before: number; after: number };
  lstmRatio: number;
  maxPredictionDifference: number;
  report: CompressionReport;
}

export interface CompressOptions {
  out: string;
  backend: BackendChoice;
  /** Latency runs per model. Default: 10. */
  latencyRuns?: number;
}

function testSourceOf(run: RunRecord, cacheDir: string): BatchSource & { stream: { close(): Promise<void> } } {
  const o = run.options;
  return videoSource(run.test, 'test', {
    frames: o.frames, width: o.width, height: o.height, batchSize: o.batchSize, classes: run.classes.length, seed: o.seed, cacheDir,
  });
}

/** Keeps the compact model's input features, `x[..., keptInputs]`. */
export function keepInputs(keptInputs: number[]): (xs: tf.Tensor) => tf.Tensor {
  return (xs) => tf.tidy(() => tf.gather(xs, tf.tensor1d(keptInputs, 'int32'), 2));
}

/** The first test clip as a [1, T, F] tensor (for latency), or null without test clips. */
async function oneClip(source: BatchSource): Promise<tf.Tensor | null> {
  for await (const batch of source.batches(0)) {
    const clip = tf.slice(batch.xs, 0, 1);
    tf.dispose([batch.xs, batch.ys]);
    return clip;
  }
  return null;
}

/**
 * Compacts the trained VIB model into plain tfjs layers (prune's `compact`),
 * saves it in <out>/compact, and measures both models on the test clips:
 * accuracy, parameters, FLOPs and per-clip latency on this backend.
 */
export async function compress(options: CompressOptions, log: (line: string) => void = console.log): Promise<CompressResults> {
  const backend = await selectBackend(options.backend);
  log(describeBackend(backend));
  const paths = runPaths(options.out);
  const run = readRun(options.out);
  const cacheDir = run.options.cacheDir ?? join(paths.dir, 'frame-cache');
  const vib = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
  const layer = findRecurrentLayer(vib);
  if (layer == null) throw new Error(`${paths.vibModel} has no VIB recurrent layer`);
  const units = layer.prunableUnits();
  const result = compact(vib);
  await saveCompact(result, paths.compact);
  log(`compact model saved in ${paths.compact}`);

  const source = testSourceOf(run, cacheDir);
  try {
    const transform = keepInputs(result.keptInputs);
    const evalBefore: Evaluation = await evaluate(vib, source, { classes: run.classes.length });
    const evalAfter: Evaluation = await evaluate(result.model, source, { classes: run.classes.length, transform });
    const clip = await oneClip(source);
    const runs = options.latencyRuns ?? 10;
    let latencyBefore: Latency = { medianMs: NaN, meanMs: NaN, minMs: NaN, runs: 0 };
    let latencyAfter = latencyBefore;
    let maxPredictionDifference = NaN;
    if (clip) {
      const kept = transform(clip);
      latencyBefore = measureLatency(vib, clip, { runs });
      latencyAfter = measureLatency(result.model, kept, { runs });
      maxPredictionDifference = tf.tidy(() =>
        tf.max(tf.abs(tf.sub(vib.predict(clip) as tf.Tensor, result.model.predict(kept) as tf.Tensor))).dataSync()[0],
      );
      tf.dispose([clip, kept]);
    }
    const r = result.report;
    const results: CompressResults = {
      backend: backend.name,
      testClips: evalBefore.count,
      classes: run.classes,
      vibPhaseTestAccuracy: run.vibPhaseTestAccuracy,
      uncompressedTestAccuracy: run.uncompressedTestAccuracy ?? null,
      uncompressedBestTestAccuracy: run.uncompressedBestTestAccuracy ?? null,
      before: {
        accuracy: evalBefore.accuracy, loss: evalBefore.loss, params: r.totals.paramsBefore, lstmParams: r.recurrent.paramsBefore,
        flops: r.totals.flopsBefore, latency: latencyBefore,
      },
      after: {
        accuracy: evalAfter.accuracy, loss: evalAfter.loss, params: r.totals.paramsAfter, lstmParams: r.recurrent.paramsAfter,
        flops: r.totals.flopsAfter, latency: latencyAfter,
      },
      keptInputs: result.keptInputs.length,
      totalInputs: units.inputs.kept.length + units.inputs.removed.length,
      keptUnits: units.units.kept.length,
      totalUnits: units.units.kept.length + units.units.removed.length,
      lstmParamsPaper: { before: r.recurrent.paperParamsBefore, after: r.recurrent.paperParamsAfter },
      lstmRatio: r.recurrent.ratio,
      maxPredictionDifference,
      report: r,
    };
    await writeJsonAtomic(paths.results, results);
    log('');
    log(formatReport(r));
    log('');
    log(formatResults(results));
    return results;
  } finally {
    await source.stream.close();
    vib.dispose();
    result.model.dispose();
  }
}

const pct = (x: number | null) => (x == null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const count = (n: number) => n.toLocaleString('en-US');

export function formatResults(r: CompressResults): string {
  return [
    `test accuracy        ${pct(r.before.accuracy)} (VIB model) -> ${pct(r.after.accuracy)} (compact), ${r.testClips} clips`,
    `  for reference      uncompressed model (before any KL pressure): ${pct(r.uncompressedTestAccuracy)} at its last epoch, ${pct(r.uncompressedBestTestAccuracy)} at its best;`,
    `                     ${pct(r.vibPhaseTestAccuracy)} at the end of the VIB phase (before fine-tuning)`,
    `kept inputs          ${count(r.keptInputs)} of ${count(r.totalInputs)}`,
    `kept hidden units    ${r.keptUnits} of ${r.totalUnits}`,
    `LSTM parameters      ${count(r.before.lstmParams)} -> ${count(r.after.lstmParams)} (${r.lstmRatio.toFixed(1)}x; paper convention ${count(r.lstmParamsPaper.before)} -> ${count(r.lstmParamsPaper.after)})`,
    `all parameters       ${count(r.before.params)} -> ${count(r.after.params)}`,
    `FLOPs per clip       ${count(r.before.flops)} -> ${count(r.after.flops)}`,
    `latency per clip     ${r.before.latency.medianMs.toFixed(2)} ms -> ${r.after.latency.medianMs.toFixed(2)} ms (median, ${r.backend})`,
    `max |VIB - compact|  ${r.maxPredictionDifference.toExponential(2)} (probabilities, one clip)`,
  ].join('\n');
}

/** Loads the compact model and its kept inputs. */
export async function loadCompactModel(out: string) {
  return loadCompact(runPaths(out).compact);
}
