/**
 * One benchmark case, run in its own process (an out-of-memory abort in wasm
 * must not take the whole benchmark down). Prints one JSON line.
 *   node --import tsx bench/bench-case.ts '{"backend":"wasm","layers":["vib","builtin"],...}'
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { patchWasmGather, patchWasmMatMul } from '@tfjs-compress/runtime';
import { VIBTrainer } from '@tfjs-compress/vib';
import { VIBLSTM } from '../src/index.js';

export interface CaseSpec {
  backend: 'cpu' | 'wasm';
  layers: Array<'vib' | 'builtin'>;
  batch: number;
  steps: number;
  features: number;
  units: number;
  repeats: number;
  /** Untimed rounds first (default 1). At the paper's shape the wasm heap grows over the first three steps, and the page faults of a growing heap are not a step's cost. */
  warmup?: number;
  /** Also time the input-projection floor: X W (forward) and X^T dY (weight gradient) alone. */
  floor?: boolean;
}

export interface LayerResult {
  layer: 'vib' | 'builtin';
  stepMs: number[];
  medianMs: number;
  peakHeapMiB: number | null;
  /** Forward + weight-gradient matMuls of the input projection alone, per repeat (with `floor`). */
  floorMs?: number[];
  floorMedianMs?: number;
  /** The input gradient dY W^T alone: per-example gate noise needs it (the gate's gradient reads it). */
  inputGradientMs?: number[];
  inputGradientMedianMs?: number;
  /** The floor with a new W each time (as in training, where the kernel changes every step and is packed again). */
  floorFreshMs?: number[];
  floorFreshMedianMs?: number;
}

function buildModel(kind: 'vib' | 'builtin', spec: CaseSpec): tfl.LayersModel {
  const shared = {
    units: spec.units,
    inputShape: [spec.steps, spec.features],
    recurrentActivation: 'sigmoid',
    recurrentInitializer: 'glorotUniform',
  };
  const recurrent = kind === 'vib' ? new VIBLSTM({ ...shared, inputBottleneck: true, seed: 1 }) : tfl.layers.lstm(shared as never);
  return tfl.sequential({ layers: [recurrent, tfl.layers.dense({ units: 11, activation: 'softmax' })] });
}

function heapMiB(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  const heap = backend.wasm?.HEAPU8;
  return heap ? heap.buffer.byteLength / 2 ** 20 : null;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The input projection's operands: X [B*T, F], W [F, 4H] and dY [B*T, 4H]. */
function floorOperands(spec: CaseSpec) {
  const rows = spec.batch * spec.steps;
  return {
    x: tf.randomNormal([rows, spec.features], 0, 1, 'float32', 2),
    w: tf.randomNormal([spec.features, 4 * spec.units], 0, 0.01, 'float32', 3),
    dy: tf.randomNormal([rows, 4 * spec.units], 0, 1, 'float32', 4),
  };
}

/**
 * Times [X W + X^T dY, dY W^T, X W' + X^T dY] in ms, W' a fresh copy of W:
 * a training step's kernel is new every step, so XNNPACK packs it again
 * (the first figure reuses the packing of the unchanged W).
 */
function floorStep(p: ReturnType<typeof floorOperands>): [number, number, number] {
  const start = performance.now();
  tf.matMul(p.x, p.w).dispose();
  const forward = performance.now();
  tf.matMul(p.x, p.dy, true, false).dispose();
  const middle = performance.now();
  tf.matMul(p.dy, p.w, false, true).dispose();
  const end = performance.now();
  const fresh = tf.add(p.w, 0);
  const freshStart = performance.now();
  tf.matMul(p.x, fresh).dispose();
  const freshForward = performance.now() - freshStart;
  fresh.dispose();
  return [middle - start, end - middle, freshForward + (middle - forward)];
}

async function main() {
  const spec = JSON.parse(process.argv[2]) as CaseSpec;
  // Both layers get the wasm matMul fast path: the ratio compares the layers, not the kernels.
  if (spec.backend === 'wasm') {
    patchWasmMatMul();
    patchWasmGather();
  }
  await tf.setBackend(spec.backend);
  await tf.ready();
  const x = tf.randomNormal([spec.batch, spec.steps, spec.features], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: spec.batch }, (_, i) => i % 11), 'int32'), 11);
  const runs = spec.layers.map((layer) => {
    const model = buildModel(layer, spec);
    return { layer, model, trainer: new VIBTrainer(model, { lr: 1e-3 }), times: [] as number[] };
  });
  const floorTimes: number[] = [];
  const inputGradientTimes: number[] = [];
  const floorFreshTimes: number[] = [];
  let projection: ReturnType<typeof floorOperands> | null = null;
  let heapAfterWarmup: number | null = null;
  // Interleave the layers (and the floor) so that machine noise hits all alike; the first rounds warm up.
  const warmup = spec.warmup ?? 1;
  for (let r = 1 - warmup; r <= spec.repeats; r++) {
    for (const run of runs) {
      const start = performance.now();
      run.trainer.trainOnBatch(x, y);
      if (r > 0) run.times.push(performance.now() - start);
    }
    if (r === 0) {
      // The heap never shrinks: read it before the floor's own operands (265 MB at the paper's shape) join it.
      heapAfterWarmup = heapMiB();
      if (spec.floor) {
        projection = floorOperands(spec);
        floorStep(projection);
      }
    }
    if (projection && r > 0) {
      const [floor, inputGradient, floorFresh] = floorStep(projection);
      floorTimes.push(floor);
      inputGradientTimes.push(inputGradient);
      floorFreshTimes.push(floorFresh);
    }
  }
  const results: LayerResult[] = runs.map((run) => ({
    layer: run.layer,
    stepMs: run.times,
    medianMs: median(run.times),
    peakHeapMiB: spec.floor ? heapAfterWarmup : heapMiB(),
    ...(projection
      ? {
          floorMs: floorTimes,
          floorMedianMs: median(floorTimes),
          inputGradientMs: inputGradientTimes,
          inputGradientMedianMs: median(inputGradientTimes),
          floorFreshMs: floorFreshTimes,
          floorFreshMedianMs: median(floorFreshTimes),
        }
      : {}),
  }));
  process.stdout.write(`${JSON.stringify({ ok: true, results })}\n`);
}

main().catch((error: Error) => {
  process.stdout.write(`${JSON.stringify({ ok: false, error: error.message.slice(0, 300) })}\n`);
  process.exit(1);
});
