/**
 * Per-clip inference, compact against uncompressed, at batch 1:
 *   (a) the uncompressed VIB model of the paper's end-to-end shape (8 frames
 *       of 160x120x3 = 57,600 inputs -> 256 units -> head, 11 classes) on the
 *       full [1, 8, 57600] float input;
 *   (b) the compact path (CompactClipPredictor): kept pixels gathered from the
 *       uint8 frames -> compact LSTM -> head, with the fused and the layers engine.
 * Model-only, decode-included and frame-cache-hit times, warmed up, median and spread, as
 * ratios measured in the same process back to back (runs interleaved).
 *
 * The compact model is the uncompressed one with its gates set as after VIB
 * training (a seeded 1.5% of the pixels and 10% of the units kept), compacted
 * by prune's `compact`: the same sizes a trained model of that sparsity has.
 *
 *   node --import tsx bench/inference.ts            (from apps/ucf11-e2e)
 *   BENCH_QUICK=1 node --import tsx bench/inference.ts
 *   BENCH_BACKENDS=wasm node --import tsx bench/inference.ts
 *
 * Each backend runs in its own process. Writes <repo>/bench-results/inference.json
 * and prints a table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { printTable, writeBenchJson } from '@tfjs-compress/testing';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { compact } from '@tfjs-compress/prune';
import { describeBackend, selectBackend } from '@tfjs-compress/runtime';
import type { VIBGate } from '@tfjs-compress/vib';
import type { VIBLSTM } from '@tfjs-compress/vib-rnn';
import {
  decodeClip,
  gatherFrames,
  generateSyntheticDataset,
  mulberry32,
  sampleFrameIndices,
  toBatchTensors,
  type DecodedClip,
} from '@tfjs-compress/video';
import { CompactClipPredictor } from '../src/compact-predictor.js';
import { buildE2eModel } from '../src/e2e-model.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const quick = process.env.BENCH_QUICK === '1';

/** The paper's end-to-end shape. */
const SHAPE = { frames: 8, width: 160, height: 120, units: 256, classes: 11 };
const FEATURES = SHAPE.width * SHAPE.height * 3;
/** Share of pixels and units the compact model keeps. */
const KEEP = { inputs: 0.015, units: 0.1 };
/** The benchmark clip: decoded from 320x240 down to 160x120, as UCF11's clips are. */
const CLIP = { width: 320, height: 240, frames: 96, format: 'avi' as const };

interface Stats {
  runs: number;
  medianMs: number;
  p25Ms: number;
  p75Ms: number;
  minMs: number;
  maxMs: number;
}

interface CaseResult {
  backend: string;
  backendLine: string;
  keptInputs: number;
  keptUnits: number;
  /** LSTM parameters (tfjs convention, one bias) before and after compaction. */
  lstmParams: { before: number; after: number };
  decodedFrames: number;
  /** Bytes of model input per clip: full float frames vs gathered kept pixels. */
  inputBytes: { uncompressed: number; compact: number };
  /** max |compact path - uncompressed VIB model (hard masks)| over the probabilities of the clip. */
  maxProbabilityDifference: number;
  modelOnly: { uncompressed: Stats; compactFused: Stats; compactLayers: Stats; gather: Stats };
  withDecode: {
    /** ffmpeg decode alone (both paths' runs). */
    decode: Stats;
    uncompressed: Stats;
    compact: Stats;
    /** The same runs without their decode: full normalisation + model, and gather + model. */
    uncompressedAfterDecode: Stats;
    compactAfterDecode: Stats;
  };
  /** The same with the frames read from the frame cache instead of decoded. */
  withCache: {
    /** Reading the T frames, both paths' runs. */
    read: Stats;
    /** The compact path's share of `read` (its `decodeMs`). */
    readCompact: Stats;
    uncompressed: Stats;
    compact: Stats;
  };
  ratios: { modelOnlyFused: number; modelOnlyLayers: number; withDecode: number; withoutSharedDecode: number; withCache: number };
}

function stats(times: number[]): Stats {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { runs: s.length, medianMs: at(0.5), p25Ms: at(0.25), p75Ms: at(0.75), minMs: s[0], maxMs: s[s.length - 1] };
}

/** The case process runs with --expose-gc: collecting before each timed run keeps one run's garbage out of the next one's time. */
const collect = () => (globalThis as { gc?: () => void }).gc?.();

const timed = (fn: () => unknown) => {
  const started = performance.now();
  fn();
  return performance.now() - started;
};

/** Sets a gate so that exactly `kept` stay (log alpha < 0), the rest are pruned. */
function setGate(gate: VIBGate, kept: Set<number>, seed: number): void {
  const rng = mulberry32(seed);
  const mu = Float32Array.from({ length: gate.size }, () => 0.8 + 0.4 * rng.next());
  const logD = Float32Array.from({ length: gate.size }, (_, k) => (kept.has(k) ? -9 : 5));
  tf.tidy(() => {
    gate.mu.write(tf.tensor1d(mu));
    gate.logD.write(tf.tensor1d(logD));
  });
  gate.settings.inferenceMode = 'hard';
}

function seededSubset(size: number, count: number, seed: number): Set<number> {
  const rng = mulberry32(seed);
  const kept = new Set<number>();
  while (kept.size < count) kept.add(Math.floor(rng.next() * size));
  return kept;
}

async function runCase(backendName: 'wasm' | 'cpu', clipPath: string): Promise<CaseResult> {
  const backend = await selectBackend(backendName);
  const modelRuns = quick ? 3 : backendName === 'cpu' ? 7 : 15;
  const compactRuns = quick ? 50 : 300;
  const decodeRuns = quick ? 3 : 20;

  const vib = buildE2eModel({ frames: SHAPE.frames, features: FEATURES, units: SHAPE.units, classes: SHAPE.classes, dropout: 0.5, klFac: 1e-3, klMult: 2, seed: 1 });
  const cell = (vib.layers[0] as VIBLSTM).cell as unknown as { inputGate: VIBGate; gates: Record<string, VIBGate | null> };
  setGate(cell.inputGate, seededSubset(FEATURES, Math.round(KEEP.inputs * FEATURES), 2), 3);
  const keptUnits = seededSubset(SHAPE.units, Math.round(KEEP.units * SHAPE.units), 4);
  // A unit goes when its output gate is shut; the other gates stay open.
  setGate(cell.gates.o!, keptUnits, 5);
  for (const name of ['i', 'f', 'g']) setGate(cell.gates[name]!, new Set(Array.from({ length: SHAPE.units }, (_, k) => k)), 6);
  const result = compact(vib);
  const fused = new CompactClipPredictor(result.model, result.keptInputs, { ...SHAPE, engine: 'fused' });
  const layers = new CompactClipPredictor(result.model, result.keptInputs, { ...SHAPE, engine: 'layers' });

  const decode = () => decodeClip(clipPath, { width: SHAPE.width, height: SHAPE.height, thread: 'main' });
  /** The old path's input: sampled frames, every pixel normalised, [1, T, 57600]. */
  const fullInput = (clip: DecodedClip) => {
    const sample = sampleFrameIndices(clip.numFrames, SHAPE.frames, { mode: 'test' });
    const frames = gatherFrames(clip.data, SHAPE.width, SHAPE.height, sample);
    return toBatchTensors(frames, [0], { framesPerClip: SHAPE.frames, width: SHAPE.width, height: SHAPE.height, numClasses: SHAPE.classes });
  };
  const uncompressedOnce = (x: tf.Tensor) => tf.tidy(() => (vib.predict(x) as tf.Tensor).dataSync() as Float32Array);

  const clip = await decode();
  const { xs, ys } = fullInput(clip);
  const features = new Float32Array(SHAPE.frames * result.keptInputs.length);
  const gatherOnce = () => fused.gather(clip, features);
  gatherOnce();

  // Sanity: the compact path predicts what the hard-mask VIB model predicts on the same clip.
  const reference = uncompressedOnce(xs);
  const compactProbabilities = fused.predictDecoded(clip).probabilities;
  let maxProbabilityDifference = 0;
  for (let i = 0; i < reference.length; i++) maxProbabilityDifference = Math.max(maxProbabilityDifference, Math.abs(reference[i] - compactProbabilities[i]));

  // Warm-up: kernels compiled, buffers allocated.
  for (let i = 0; i < 3; i++) {
    uncompressedOnce(xs);
    fused.predictFeatures(features);
    layers.predictFeatures(features);
  }

  // Model only, interleaved so that machine noise hits both alike.
  const times = { uncompressed: [] as number[], fused: [] as number[], layers: [] as number[], gather: [] as number[] };
  const perRound = Math.ceil(compactRuns / modelRuns);
  for (let r = 0; r < modelRuns; r++) {
    collect();
    times.uncompressed.push(timed(() => uncompressedOnce(xs)));
    collect();
    for (let i = 0; i < perRound; i++) {
      times.fused.push(timed(() => fused.predictFeatures(features)));
      times.layers.push(timed(() => layers.predictFeatures(features)));
      times.gather.push(timed(gatherOnce));
    }
    process.stderr.write('.');
  }

  // Decode included: ffmpeg decode + (full normalisation + uncompressed) or (gather + compact), interleaved.
  const withDecode = {
    decode: [] as number[], uncompressed: [] as number[], compact: [] as number[], uncompressedAfterDecode: [] as number[], compactAfterDecode: [] as number[],
  };
  for (let r = 0; r < decodeRuns; r++) {
    collect();
    const started = performance.now();
    const decoded = await decode();
    const decodedAt = performance.now();
    const batch = fullInput(decoded);
    uncompressedOnce(batch.xs);
    const done = performance.now();
    tf.dispose([batch.xs, batch.ys]);
    withDecode.uncompressed.push(done - started);
    withDecode.decode.push(decodedAt - started);
    withDecode.uncompressedAfterDecode.push(done - decodedAt);
    collect();
    const compactRun = await fused.predict(clipPath);
    withDecode.compact.push(compactRun.times.totalMs);
    withDecode.decode.push(compactRun.times.decodeMs);
    withDecode.compactAfterDecode.push(compactRun.times.gatherMs + compactRun.times.modelMs);
    process.stderr.write('.');
  }
  // Frame cache hit (what `infer` gets for a clip decoded during training): reading T frames from a file replaces ffmpeg.
  const cacheDir = mkdtempSync(join(tmpdir(), 'ucf11-inference-cache-'));
  const cached = new CompactClipPredictor(result.model, result.keptInputs, { ...SHAPE, engine: 'fused', cacheDir });
  const cache = cached.cache!;
  const spec = { width: SHAPE.width, height: SHAPE.height };
  await cached.predict(clipPath);
  const withCache = { read: [] as number[], readCompact: [] as number[], uncompressed: [] as number[], compact: [] as number[] };
  try {
    for (let r = 0; r < decodeRuns; r++) {
      collect();
      const started = performance.now();
      // Both paths read only the T sampled frames from the cache file.
      const hit = await cache.getFrames(clipPath, spec, (n) => sampleFrameIndices(n, SHAPE.frames, { mode: 'test' }).indices);
      if (!hit) throw new Error('frame cache miss');
      const readAt = performance.now();
      const batch = toBatchTensors(hit.clip.data, [0], { framesPerClip: SHAPE.frames, width: SHAPE.width, height: SHAPE.height, numClasses: SHAPE.classes });
      uncompressedOnce(batch.xs);
      withCache.uncompressed.push(performance.now() - started);
      withCache.read.push(readAt - started);
      tf.dispose([batch.xs, batch.ys]);
      collect();
      const compactRun = await cached.predict(clipPath);
      withCache.compact.push(compactRun.times.totalMs);
      withCache.read.push(compactRun.times.decodeMs);
      withCache.readCompact.push(compactRun.times.decodeMs);
      process.stderr.write('.');
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  process.stderr.write('\n');

  const out: CaseResult = {
    backend: backend.name,
    backendLine: describeBackend(backend),
    keptInputs: result.keptInputs.length,
    keptUnits: fused.model.getLayer('vib_lstm').getWeights()[1].shape[0],
    lstmParams: { before: result.report.recurrent.paramsBefore, after: result.report.recurrent.paramsAfter },
    decodedFrames: clip.numFrames,
    inputBytes: { uncompressed: SHAPE.frames * FEATURES * 4, compact: features.byteLength },
    maxProbabilityDifference,
    modelOnly: { uncompressed: stats(times.uncompressed), compactFused: stats(times.fused), compactLayers: stats(times.layers), gather: stats(times.gather) },
    withDecode: {
      decode: stats(withDecode.decode),
      uncompressed: stats(withDecode.uncompressed),
      compact: stats(withDecode.compact),
      uncompressedAfterDecode: stats(withDecode.uncompressedAfterDecode),
      compactAfterDecode: stats(withDecode.compactAfterDecode),
    },
    withCache: {
      read: stats(withCache.read), readCompact: stats(withCache.readCompact), uncompressed: stats(withCache.uncompressed), compact: stats(withCache.compact),
    },
    ratios: { modelOnlyFused: 0, modelOnlyLayers: 0, withDecode: 0, withoutSharedDecode: 0, withCache: 0 },
  };
  const m = out.modelOnly;
  const d = out.withDecode;
  out.ratios = {
    modelOnlyFused: m.uncompressed.medianMs / m.compactFused.medianMs,
    modelOnlyLayers: m.uncompressed.medianMs / m.compactLayers.medianMs,
    withDecode: d.uncompressed.medianMs / d.compact.medianMs,
    // What is left once the shared ffmpeg decode is taken out of both.
    withoutSharedDecode: d.uncompressedAfterDecode.medianMs / d.compactAfterDecode.medianMs,
    withCache: out.withCache.uncompressed.medianMs / out.withCache.compact.medianMs,
  };
  tf.dispose([xs, ys]);
  fused.dispose();
  vib.dispose();
  return out;
}

async function makeClip(): Promise<{ path: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ucf11-inference-bench-'));
  const set = await generateSyntheticDataset({
    root: dir, classes: 1, groupsPerClass: 1, clipsPerGroup: 1, framesPerClip: CLIP.frames, width: CLIP.width, height: CLIP.height,
    format: CLIP.format, seed: 7,
  });
  return { path: set.files[0].path, dir };
}

const fmt = (s: Stats) => `${s.medianMs < 10 ? s.medianMs.toFixed(3) : s.medianMs.toFixed(1)} ms [${s.p25Ms.toPrecision(3)}-${s.p75Ms.toPrecision(3)}]`;

async function main(): Promise<void> {
  const [, , mode, backend, clipPath] = process.argv;
  if (mode === '--case') {
    const result = await runCase(backend as 'wasm' | 'cpu', clipPath);
    process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
    return;
  }
  const backends = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',');
  const clip = await makeClip();
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    quick,
    shape: { ...SHAPE, features: FEATURES, batch: 1 },
    keep: KEEP,
    clip: { ...CLIP, decodedTo: `${SHAPE.width}x${SHAPE.height}` },
    compactModel: 'the uncompressed VIB model with gates set (seeded 1.5% of pixels, 10% of units kept) and compacted by prune.compact',
    timing: 'per clip at batch 1, after 3 warm-up runs; median and [p25-p75] of interleaved runs, a full GC before each timed run (batch of compact runs); decode = ffmpeg on the main thread; the frame cache only in withCache (both paths read the T sampled frames from it)',
    cases: [] as unknown[],
  };
  const rows: string[][] = [];
  const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
  report.loadAverageBefore = load();
  try {
    for (const name of backends) {
      process.stderr.write(`inference ${name} [1, ${SHAPE.frames}, ${FEATURES}] -> ${SHAPE.units} ...`);
      const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--case', name, clip.path], {
        encoding: 'utf8', timeout: 20 * 60_000, maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = child.stdout?.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (!line) {
        (report.cases as unknown[]).push({ backend: name, ok: false, error: child.error?.message ?? `exit ${child.status}` });
        rows.push([name, `failed: exit ${child.status}`, '', '', '']);
        continue;
      }
      const parsed = JSON.parse(line) as { ok: boolean; result?: CaseResult; error?: string };
      const result = parsed.result;
      if (!parsed.ok || !result) {
        (report.cases as unknown[]).push({ backend: name, ok: false, error: parsed.error });
        rows.push([name, `failed: ${parsed.error}`, '', '', '']);
        continue;
      }
      (report.cases as unknown[]).push({ ok: true, ...result });
      const m = result.modelOnly;
      const d = result.withDecode;
      rows.push([`${name}: model only`, fmt(m.uncompressed), `${fmt(m.compactFused)} fused`, `${fmt(m.compactLayers)} layers`, `${result.ratios.modelOnlyFused.toFixed(0)}x fused, ${result.ratios.modelOnlyLayers.toFixed(0)}x layers`]);
      rows.push([`${name}: gather kept pixels`, '', fmt(m.gather), '', '']);
      rows.push([`${name}: with decode`, fmt(d.uncompressed), `${fmt(d.compact)} fused`, `decode ${fmt(d.decode)}`, `${result.ratios.withDecode.toFixed(1)}x`]);
      rows.push([`${name}: after decode`, fmt(d.uncompressedAfterDecode), fmt(d.compactAfterDecode), 'normalise all + model / gather + model', `${result.ratios.withoutSharedDecode.toFixed(0)}x`]);
      const c = result.withCache;
      rows.push([`${name}: frame-cache hit`, fmt(c.uncompressed), `${fmt(c.compact)} fused`, `cache read ${fmt(c.read)}; compact's ${fmt(c.readCompact)}`, `${result.ratios.withCache.toFixed(1)}x`]);
      rows.push([`${name}: kept / check`, `${result.keptInputs} of ${FEATURES} inputs, ${result.keptUnits} of ${SHAPE.units} units, LSTM ${(result.lstmParams.before / result.lstmParams.after).toFixed(0)}x smaller`, `input ${(result.inputBytes.compact / 1024).toFixed(0)} KiB vs ${(result.inputBytes.uncompressed / 2 ** 20).toFixed(1)} MiB`, `max |diff| ${result.maxProbabilityDifference.toExponential(1)}`, '']);
    }
  } finally {
    rmSync(clip.dir, { recursive: true, force: true });
  }
  report.loadAverageAfter = load();
  const header = ['case (per clip, batch 1)', 'uncompressed', 'compact', 'detail', 'ratio'];
  printTable(header, rows);
  console.log(`\nload average (1, 5, 15 min): ${report.loadAverageBefore} before, ${report.loadAverageAfter} after (2 cores; above 2 the timings are noisy)`);
  writeBenchJson(join(root, 'bench-results', 'inference.json'), report);
}

main().catch((error: Error) => {
  if (process.argv[2] === '--case') process.stdout.write(`${JSON.stringify({ ok: false, error: error.message.slice(0, 300) })}\n`);
  else console.error(error);
  process.exitCode = 1;
});
