import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { findRecurrentLayer, keepInputs, runPaths, writeJsonAtomic } from '@tfjs-compress/app-kit';
import { compact, lstmParamCount } from '@tfjs-compress/prune';
import { fileSystemHandler, loadCompact } from '@tfjs-compress/prune/node';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { type VIBGate } from '@tfjs-compress/vib';
import { InvalidArgumentError, assertPositiveInteger } from '@tfjs-compress/common';
import { decodeClip, gatherFrames, sampleFrameIndices } from '@tfjs-compress/video';
import './register.js';
import { buildCnnLstmModel, buildPlainCnnLstmModel } from './cnn-lstm-model.js';
import { compactLstmRunner, type CompactEngine } from './compact-lstm-runner.js';
import { extractorFromOptions } from './extractor-from-options.js';
import { featuriseClip } from './featurise-clip.js';
import type { FrameFeatureExtractor } from './frame-feature-extractor.js';
import { DEFAULT_TRAIN_OPTIONS } from './options.js';
import { readCnnLstmRun } from './run-files.js';

/** Median and spread of repeated timings, in ms. */
export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** 25th and 75th percentiles. */
  p25Ms: number;
  p75Ms: number;
  runs: number;
}

/** What `bench-edge` measures (its JSON output). */
export interface EdgeBench {
  backend: string;
  /** 'run': a trained run's models and its first test clip; 'synthetic': a VIB model with gates set to a chosen keep ratio and random frames. */
  source: 'run' | 'synthetic';
  shape: { frames: number; features: number; units: number; keptInputs: number; keptUnits: number; classes: number; inputSize: [number, number] };
  extractor: string;
  lstmParams: { uncompressed: number; compact: number; ratio: number };
  warmup: number;
  /**
   * Per clip, batch 1: ffmpeg decode (shared by both models; not in the
   * totals), feature extraction, LSTM + head of the uncompressed VIB model,
   * of a plain tfjs LSTM model of the same size (the paper's uncompressed
   * CNN-LSTM) and of the compact model: `lstmCompact` the way `infer` runs it
   * (see `compactEngine`), `lstmCompactPredict` through `model.predict`.
   */
  stages: { decode: Timing | null; features: Timing; lstmUncompressed: Timing; lstmPlain: Timing; lstmCompact: Timing; lstmCompactPredict: Timing };
  /** How `lstmCompact` ran: 'fused' (prune's CompactForward) or 'layers' (model.predict, when the model is not supported). */
  compactEngine: CompactEngine;
  /** Feature extraction + LSTM + head, per clip (medians added). */
  totalMs: { uncompressed: number; plain: number; compact: number };
  /** Uncompressed VIB model / compact (`lstm`, `total`), and plain LSTM of the original size / compact (`lstmVsPlain`, `totalVsPlain`). */
  speedup: { lstm: number; total: number; lstmVsPlain: number; totalVsPlain: number };
}

export interface BenchEdgeOptions {
  /** A trained and compressed run directory, or undefined for the synthetic setup. */
  out?: string;
  backend: BackendChoice;
  /** Timed runs per stage. Default: 20. */
  runs?: number;
  /** Untimed runs first. Default: 3. */
  warmup?: number;
  /** Synthetic setup: frames, features and units of the uncompressed model. */
  frames?: number;
  features?: number;
  units?: number;
  /** Synthetic setup: inputs and hidden units the compact model keeps. */
  keptInputs?: number;
  keptUnits?: number;
  /** Also write the JSON here. */
  jsonOut?: string;
}

/** The synthetic setup's defaults: the paper's CNN-LSTM at 16 frames, compacted to 40 features and 20 units (about what VIB keeps). */
export const BENCH_EDGE_DEFAULTS = { runs: 20, warmup: 3, frames: 16, features: 2048, units: 2048, keptInputs: 40, keptUnits: 20 } as const;

/** Warm-up and timed runs of the plain-JS compact path (cheap: well under a millisecond each). */
export const JS_WARMUP_RUNS = 300;
export const JS_TIMED_RUNS = 200;

/** Times `fn` `runs` times after `warmup` untimed calls. */
export async function timeIt(fn: () => unknown, runs: number, warmup: number): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { medianMs: at(0.5), minMs: times[0], maxMs: times[times.length - 1], p25Ms: at(0.25), p75Ms: at(0.75), runs };
}

/** Opens the gates of `keep` and closes the others (log alpha -9 - log mu^2 vs. +10 - log mu^2, mu = 1). */
function setKept(gate: VIBGate, keep: number): void {
  const logD = Float32Array.from({ length: gate.size }, (_, k) => (k < keep ? -9 : 10));
  tf.tidy(() => {
    gate.mu.write(tf.ones([gate.size]));
    gate.logD.write(tf.tensor1d(logD));
  });
}

interface Models {
  vib: tfl.LayersModel;
  compact: tfl.LayersModel;
  keptInputs: number[];
  keptUnits: number;
  classes: number;
}

async function syntheticModels(frames: number, features: number, units: number, keptInputs: number, keptUnits: number): Promise<Models> {
  const vib = buildCnnLstmModel({ frames, features, units, classes: 11, dropout: 0, klFac: 0, klMult: 1, seed: 1 });
  const layer = findRecurrentLayer(vib)!;
  for (const gate of layer.vibGates) setKept(gate, gate === layer.cell.inputGate ? keptInputs : keptUnits);
  const result = compact(vib, { allowSoftGates: true });
  return { vib, compact: result.model, keptInputs: result.keptInputs, keptUnits: compactUnits(result.model), classes: 11 };
}

/** Hidden units of the compact model's LSTM (after VIB masks and any group-lasso zeroing). */
function compactUnits(model: tfl.LayersModel): number {
  const lstm = model.layers.find((l) => l.getClassName() === 'LSTM');
  return lstm ? (lstm.getConfig().units as number) : 0;
}

async function runModels(out: string): Promise<Models> {
  const paths = runPaths(out);
  if (!existsSync(join(paths.compact, 'model.json'))) throw new Error(`${paths.compact} not found: run 'compress --out ${out}' first`);
  const vib = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
  const { model, compression } = await loadCompact(paths.compact);
  return { vib, compact: model, keptInputs: compression.keptInputs, keptUnits: compactUnits(model), classes: readCnnLstmRun(out).classes.length };
}


/**
 * `bench-edge`: per-clip latency at batch 1 on the chosen backend, warmed up:
 * feature extraction, LSTM + head of the uncompressed VIB model, of a plain
 * LSTM of the same size and of the compact model (fused as `infer` runs it,
 * and through `model.predict`), the totals and the LSTM speed-up.
 */
export async function benchEdge(options: BenchEdgeOptions, log: (line: string) => void = console.log): Promise<EdgeBench> {
  const runs = options.runs ?? BENCH_EDGE_DEFAULTS.runs;
  const warmup = options.warmup ?? BENCH_EDGE_DEFAULTS.warmup;
  assertPositiveInteger(runs, 'runs');
  if (!Number.isInteger(warmup) || warmup < 0) throw new InvalidArgumentError('warmup', warmup, 'an integer >= 0');
  const backend = await selectBackend(options.backend);
  log(describeBackend(backend));
  let extractor: FrameFeatureExtractor;
  let models: Models;
  let frames: Uint8Array;
  let T: number;
  let decode: Timing | null = null;
  if (options.out) {
    const run = readCnnLstmRun(options.out);
    T = run.options.frames;
    extractor = await extractorFromOptions(run.options);
    models = await runModels(options.out);
    const clip = resolve((run.test[0] ?? run.train[0]).path);
    const size = { width: extractor.inputWidth, height: extractor.inputHeight };
    let decoded = await decodeClip(clip, size);
    decode = await timeIt(async () => (decoded = await decodeClip(clip, size)), Math.min(runs, 5), 1);
    frames = gatherFrames(decoded.data, decoded.width, decoded.height, sampleFrameIndices(decoded.numFrames, T, { mode: 'test' }));
  } else {
    T = options.frames ?? BENCH_EDGE_DEFAULTS.frames;
    const features = options.features ?? BENCH_EDGE_DEFAULTS.features;
    extractor = await extractorFromOptions({ ...DEFAULT_TRAIN_OPTIONS, featureSize: features });
    models = await syntheticModels(T, features, options.units ?? BENCH_EDGE_DEFAULTS.units,
      options.keptInputs ?? BENCH_EDGE_DEFAULTS.keptInputs, options.keptUnits ?? BENCH_EDGE_DEFAULTS.keptUnits);
    frames = Uint8Array.from({ length: T * extractor.inputHeight * extractor.inputWidth * 3 }, (_, i) => (i * 2654435761) >>> 24);
  }
  try {
    log(`timing ${runs} runs per stage after ${warmup} warm-up runs (the fused compact path, plain JS: ${Math.max(runs, JS_TIMED_RUNS)} after ${Math.max(warmup, JS_WARMUP_RUNS)}), batch 1 ...`);
    const featureValues = await featuriseClip(extractor, frames);
    const featuresTiming = await timeIt(() => featuriseClip(extractor, frames), runs, warmup);
    const x = tf.tensor3d(featureValues, [1, T, extractor.featureSize]);
    const keep = keepInputs(models.keptInputs);
    const predict = (model: tfl.LayersModel, transform?: (t: tf.Tensor) => tf.Tensor) => () =>
      tf.tidy(() => (model.predict(transform ? transform(x) : x) as tf.Tensor).dataSync());
    const lstmUncompressed = await timeIt(predict(models.vib), runs, warmup);
    const runner = compactLstmRunner(models.compact, models.keptInputs, { frames: T, features: extractor.featureSize });
    // The fused path is plain JS: V8 optimizes it only after some hundred calls (the first
    // ones run interpreted, 3-10x slower). A deployed model runs many clips; time the steady state.
    const lstmCompact = await timeIt(() => runner.run(featureValues), Math.max(runs, JS_TIMED_RUNS), Math.max(warmup, JS_WARMUP_RUNS));
    const lstmCompactPredict = await timeIt(predict(models.compact, keep), runs, warmup);
    const units = findRecurrentLayer(models.vib)?.cell.units ?? 0;
    const plain = buildPlainCnnLstmModel({ frames: T, features: extractor.featureSize, units, classes: models.classes, dropout: 0, klFac: 0, klMult: 1, seed: 1 });
    const lstmPlain = await timeIt(predict(plain), runs, warmup);
    plain.dispose();
    x.dispose();
    const uncompressedParams = lstmParamCount(extractor.featureSize, units);
    const compactParams = lstmParamCount(models.keptInputs.length, models.keptUnits);
    const result: EdgeBench = {
      backend: backend.name,
      source: options.out ? 'run' : 'synthetic',
      shape: {
        frames: T, features: extractor.featureSize, units,
        keptInputs: models.keptInputs.length, keptUnits: models.keptUnits, classes: models.classes, inputSize: [extractor.inputHeight, extractor.inputWidth],
      },
      extractor: extractor.id,
      lstmParams: { uncompressed: uncompressedParams, compact: compactParams, ratio: uncompressedParams / compactParams },
      warmup,
      stages: { decode, features: featuresTiming, lstmUncompressed, lstmPlain, lstmCompact, lstmCompactPredict },
      compactEngine: runner.engine,
      totalMs: {
        uncompressed: featuresTiming.medianMs + lstmUncompressed.medianMs,
        plain: featuresTiming.medianMs + lstmPlain.medianMs,
        compact: featuresTiming.medianMs + lstmCompact.medianMs,
      },
      speedup: {
        lstm: lstmUncompressed.medianMs / lstmCompact.medianMs,
        total: (featuresTiming.medianMs + lstmUncompressed.medianMs) / (featuresTiming.medianMs + lstmCompact.medianMs),
        lstmVsPlain: lstmPlain.medianMs / lstmCompact.medianMs,
        totalVsPlain: (featuresTiming.medianMs + lstmPlain.medianMs) / (featuresTiming.medianMs + lstmCompact.medianMs),
      },
    };
    log(formatEdgeBench(result));
    if (options.jsonOut) {
      await writeJsonAtomic(options.jsonOut, result);
      log(`JSON written to ${resolve(options.jsonOut)}`);
    }
    return result;
  } finally {
    extractor.dispose();
    models.vib.dispose();
    models.compact.dispose();
  }
}

const ms = (t: Timing | null) => (t ? `${t.medianMs.toFixed(2).padStart(9)}  ${t.p25Ms.toFixed(2)}-${t.p75Ms.toFixed(2)} (min ${t.minMs.toFixed(2)}, max ${t.maxMs.toFixed(2)})` : '      n/a');

/** The table `bench-edge` prints. */
export function formatEdgeBench(r: EdgeBench): string {
  const s = r.shape;
  return [
    `per-clip latency, batch 1, ${r.backend}, ${r.source} setup: ${s.frames} frames of ${s.inputSize[0]}x${s.inputSize[1]} -> ${s.features} features -> LSTM(${s.units}); compact keeps ${s.keptInputs} inputs, ${s.keptUnits} units`,
    `LSTM parameters: ${r.lstmParams.uncompressed.toLocaleString('en-US')} -> ${r.lstmParams.compact.toLocaleString('en-US')} (${r.lstmParams.ratio.toFixed(0)}x)`,
    `stage                      median ms  p25-p75 (min, max)`,
    `decode (ffmpeg, shared)   ${ms(r.stages.decode)}`,
    `feature extraction        ${ms(r.stages.features)}`,
    `LSTM + head, VIB model    ${ms(r.stages.lstmUncompressed)}`,
    `LSTM + head, plain LSTM   ${ms(r.stages.lstmPlain)}`,
    `LSTM + head, compact      ${ms(r.stages.lstmCompact)}  (${r.compactEngine})`,
    `  compact, model.predict  ${ms(r.stages.lstmCompactPredict)}`,
    `total (features + LSTM)   VIB ${r.totalMs.uncompressed.toFixed(2)}, plain ${r.totalMs.plain.toFixed(2)} -> compact ${r.totalMs.compact.toFixed(2)} ms`,
    `speed-up                  LSTM ${r.speedup.lstm.toFixed(1)}x vs the VIB model, ${r.speedup.lstmVsPlain.toFixed(1)}x vs a plain LSTM; total ${r.speedup.total.toFixed(2)}x / ${r.speedup.totalVsPlain.toFixed(2)}x`,
  ].join('\n');
}
