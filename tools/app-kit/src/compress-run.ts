import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { compact, formatReport, type CompactResult, type CompressionReport, type QuantizeDtype } from '@tfjs-compress/prune';
import { WEIGHTS_FILE, fileSystemHandler, saveCompact, saveQuantized } from '@tfjs-compress/prune/node';
import { writeJsonAtomic } from './atomic-files.js';
import { evaluate, measureLatency, type BatchSource, type Latency } from './evaluate.js';
import { readFinishedRun, runPaths } from './run-files.js';
import { recordTestPredictions } from './test-predictions.js';
import { findRecurrentLayer, freezeMasks } from './vib-model.js';

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
  /** Test accuracy of the uncompressed epoch with the best validation accuracy (the budget's baseline; null without validation clips). */
  baselineTestAccuracy: number | null;
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
  /** Bytes of weights.bin: the VIB model, the compact model and (with `quantize`) the quantized compact model. */
  weightBytes: { vibModel: number; compact: number; quantized: number | null };
  /** With `quantize`: the quantized compact model (<out>/quantized), as plain tf.loadLayersModel reads it back. */
  quantized: { dtype: QuantizeDtype; accuracy: number; maxPredictionDifference: number } | null;
  report: CompressionReport;
}

/** A test-set BatchSource the caller can close (e.g. a video stream, a feature reader). */
export type ClosableSource = BatchSource & { close(): Promise<void> };

export interface CompressRunOptions {
  out: string;
  /** Name of the backend in use (for the results; the app selects it). */
  backend: string;
  /** Latency runs per model. Default: 10. */
  latencyRuns?: number;
  /** The run's test clips as batches (what `evaluate` reads). */
  testSource: ClosableSource;
  /** Also save the compact model with quantized weights (<out>/quantized) and measure its accuracy. */
  quantize?: QuantizeDtype;
  log?: (line: string) => void;
}

/** Keeps the compact model's input features, `x[..., keptInputs]`. */
export function keepInputs(keptInputs: number[]): (xs: tf.Tensor) => tf.Tensor {
  return (xs) => tf.tidy(() => tf.gather(xs, tf.tensor1d(keptInputs, 'int32'), 2));
}

/** The first example of the source as a [1, ...] tensor (for latency), or null when it is empty. */
export async function firstExample(source: BatchSource): Promise<tf.Tensor | null> {
  for await (const batch of source.batches(0)) {
    const one = tf.slice(batch.xs, 0, 1);
    tf.dispose([batch.xs, batch.ys]);
    return one;
  }
  return null;
}

/**
 * Compacts the run's VIB model (<out>/vib-model) into plain tfjs layers
 * (prune's `compact`), saves it in <out>/compact, and measures both on the
 * test source: accuracy, parameters, FLOPs and per-example latency.
 * Writes <out>/results.json.
 */
export async function compressRun(options: CompressRunOptions): Promise<CompressResults> {
  const log = options.log ?? console.log;
  const paths = runPaths(options.out);
  const run = readFinishedRun<unknown, unknown>(options.out);
  const vib = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
  // The compact model reproduces hard masks: the VIB model is scored the same way (a run without fine-tune saved soft gates).
  freezeMasks(vib);
  let result: CompactResult | null = null;
  let quantizedModel: tfl.LayersModel | null = null;
  try {
    const layer = findRecurrentLayer(vib);
    if (layer == null) throw new Error(`${paths.vibModel} has no VIB recurrent layer`);
    const units = layer.prunableUnits();
    result = compact(vib);
    await saveCompact(result, paths.compact);
    log(`compact model saved in ${paths.compact}`);
    const compactModel = result.model;
    const source = options.testSource;
    const classes = run.classes.length;
    const transform = keepInputs(result.keptInputs);
    const before = await evaluate(vib, source, { classes });
    const after = await evaluate(compactModel, source, { classes, transform });
    let quantized: CompressResults['quantized'] = null;
    let quantizedBytes: number | null = null;
    if (options.quantize) {
      quantizedBytes = (await saveQuantized(compactModel, paths.quantized, { dtype: options.quantize })).bytesAfter;
      // Read back the way a user's page would: plain tf.loadLayersModel, which dequantizes.
      quantizedModel = await tfl.loadLayersModel(fileSystemHandler(paths.quantized));
      const scored = await evaluate(quantizedModel, source, { classes, transform });
      quantized = { dtype: options.quantize, accuracy: scored.accuracy, maxPredictionDifference: NaN };
      log(`quantized compact model (${options.quantize}) saved in ${paths.quantized}`);
    }
    const recorded = await recordTestPredictions(source, {
      backend: options.backend,
      transform,
      compact: compactModel,
      quantized: quantized && quantizedModel ? { dtype: quantized.dtype, model: quantizedModel } : null,
    });
    await writeJsonAtomic(paths.testPredictions, recorded);
    const clip = await firstExample(source);
    const runs = options.latencyRuns ?? 10;
    let latencyBefore: Latency = { medianMs: NaN, meanMs: NaN, minMs: NaN, runs: 0 };
    let latencyAfter = latencyBefore;
    let maxPredictionDifference = NaN;
    if (clip) {
      const kept = transform(clip);
      latencyBefore = measureLatency(vib, clip, { runs });
      latencyAfter = measureLatency(compactModel, kept, { runs });
      maxPredictionDifference = tf.tidy(() =>
        tf.max(tf.abs(tf.sub(vib.predict(clip) as tf.Tensor, compactModel.predict(kept) as tf.Tensor))).dataSync()[0],
      );
      if (quantized && quantizedModel) {
        const q = quantizedModel;
        quantized.maxPredictionDifference = tf.tidy(() => tf.max(tf.abs(tf.sub(q.predict(kept) as tf.Tensor, compactModel.predict(kept) as tf.Tensor))).dataSync()[0]);
      }
      tf.dispose([clip, kept]);
    }
    const r = result.report;
    const figures = (e: { accuracy: number; loss: number }, params: number, lstmParams: number, flops: number, latency: Latency): ModelFigures =>
      ({ accuracy: e.accuracy, loss: e.loss, params, lstmParams, flops, latency });
    const results: CompressResults = {
      backend: options.backend,
      testClips: before.count,
      classes: run.classes,
      vibPhaseTestAccuracy: run.vibPhaseTestAccuracy,
      uncompressedTestAccuracy: run.uncompressedTestAccuracy ?? null,
      uncompressedBestTestAccuracy: run.uncompressedBestTestAccuracy ?? null,
      baselineTestAccuracy: run.baselineTestAccuracy ?? null,
      before: figures(before, r.totals.paramsBefore, r.recurrent.paramsBefore, r.totals.flopsBefore, latencyBefore),
      after: figures(after, r.totals.paramsAfter, r.recurrent.paramsAfter, r.totals.flopsAfter, latencyAfter),
      keptInputs: result.keptInputs.length,
      totalInputs: units.inputs.kept.length + units.inputs.removed.length,
      keptUnits: units.units.kept.length,
      totalUnits: units.units.kept.length + units.units.removed.length,
      lstmParamsPaper: { before: r.recurrent.paperParamsBefore, after: r.recurrent.paperParamsAfter },
      lstmRatio: r.recurrent.ratio,
      maxPredictionDifference,
      weightBytes: {
        vibModel: statSync(join(paths.vibModel, WEIGHTS_FILE)).size,
        compact: statSync(join(paths.compact, WEIGHTS_FILE)).size,
        quantized: quantizedBytes,
      },
      quantized,
      report: r,
    };
    await writeJsonAtomic(paths.results, results);
    log('');
    log(formatReport(r));
    log('');
    log(formatResults(results));
    return results;
  } finally {
    await options.testSource.close();
    vib.dispose();
    result?.model.dispose();
    quantizedModel?.dispose();
  }
}

const pct = (x: number | null | undefined) => (x == null ? 'n/a' : `${(100 * x).toFixed(1)}%`);

/** "VIB -> compact -> quantized" weight bytes (older results.json files have none). */
function bytesLine(r: CompressResults): string {
  const b = r.weightBytes;
  if (b == null) return 'n/a';
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  return `${kib(b.vibModel)} (VIB model) -> ${kib(b.compact)} (compact)` + (b.quantized != null && r.quantized ? ` -> ${kib(b.quantized)} (${r.quantized.dtype})` : '');
}
const count = (n: number) => n.toLocaleString('en-US');

export function formatResults(r: CompressResults): string {
  return [
    `test accuracy        ${pct(r.before.accuracy)} (VIB model) -> ${pct(r.after.accuracy)} (compact), ${r.testClips} clips`,
    ...(r.baselineTestAccuracy != null ? [`  baseline           ${pct(r.baselineTestAccuracy)}: the uncompressed model at its best validation accuracy`] : []),
    `  for reference      uncompressed model (before any KL pressure): ${pct(r.uncompressedTestAccuracy)} at its last epoch, ${pct(r.uncompressedBestTestAccuracy)} at its best;`,
    `                     ${pct(r.vibPhaseTestAccuracy)} at the end of the VIB phase (before fine-tuning)`,
    `kept inputs          ${count(r.keptInputs)} of ${count(r.totalInputs)}`,
    `kept hidden units    ${r.keptUnits} of ${r.totalUnits}`,
    `LSTM parameters      ${count(r.before.lstmParams)} -> ${count(r.after.lstmParams)} (${r.lstmRatio.toFixed(1)}x; paper convention ${count(r.lstmParamsPaper.before)} -> ${count(r.lstmParamsPaper.after)})`,
    `all parameters       ${count(r.before.params)} -> ${count(r.after.params)}`,
    `FLOPs per clip       ${count(r.before.flops)} -> ${count(r.after.flops)}`,
    `latency per clip     ${r.before.latency.medianMs.toFixed(2)} ms -> ${r.after.latency.medianMs.toFixed(2)} ms (median, ${r.backend})`,
    `max |VIB - compact|  ${r.maxPredictionDifference.toExponential(2)} (probabilities, one clip)`,
    `weights on disk      ${bytesLine(r)}`,
    ...(r.quantized
      ? [`${r.quantized.dtype} weights       test accuracy ${pct(r.quantized.accuracy)} (compact ${pct(r.after.accuracy)}); max |quantized - compact| ${r.quantized.maxPredictionDifference.toExponential(2)}`]
      : []),
  ].join('\n');
}

/** The figures of results.json as rows of the HTML report's table. */
export function resultsTable(results: CompressResults): Array<{ label: string; before?: string | number; after?: string | number; value?: string }> {
  return [
    ...(results.baselineTestAccuracy != null
      ? [{ label: 'test accuracy of the uncompressed baseline (best validation accuracy before any pruning)', value: pct(results.baselineTestAccuracy) }]
      : []),
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
    ...(results.weightBytes ? [{ label: 'weights on disk', value: bytesLine(results) }] : []),
    ...(results.quantized ? [{ label: `test accuracy with ${results.quantized.dtype} weights`, value: pct(results.quantized.accuracy) }] : []),
  ];
}
