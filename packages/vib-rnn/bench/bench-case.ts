/**
 * One benchmark case, run in its own process (an out-of-memory abort in wasm
 * must not take the whole benchmark down). Prints one JSON line.
 *   node --import tsx bench/bench-case.ts '{"backend":"wasm","layers":["vib","builtin"],...}'
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { patchWasmMatMul } from '@tfjs-compress/runtime';
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
}

export interface LayerResult {
  layer: 'vib' | 'builtin';
  stepMs: number[];
  medianMs: number;
  peakHeapMiB: number | null;
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

async function main() {
  const spec = JSON.parse(process.argv[2]) as CaseSpec;
  // Both layers get the wasm matMul fast path: the ratio compares the layers, not the kernels.
  if (spec.backend === 'wasm') patchWasmMatMul();
  await tf.setBackend(spec.backend);
  await tf.ready();
  const x = tf.randomNormal([spec.batch, spec.steps, spec.features], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: spec.batch }, (_, i) => i % 11), 'int32'), 11);
  const runs = spec.layers.map((layer) => {
    const model = buildModel(layer, spec);
    return { layer, model, trainer: new VIBTrainer(model, { lr: 1e-3 }), times: [] as number[] };
  });
  // Interleave the layers so that machine noise hits both alike; step 0 warms up.
  for (let r = 0; r <= spec.repeats; r++) {
    for (const run of runs) {
      const start = performance.now();
      run.trainer.trainOnBatch(x, y);
      if (r > 0) run.times.push(performance.now() - start);
    }
  }
  const results: LayerResult[] = runs.map((run) => ({
    layer: run.layer,
    stepMs: run.times,
    medianMs: median(run.times),
    peakHeapMiB: heapMiB(),
  }));
  process.stdout.write(`${JSON.stringify({ ok: true, results })}\n`);
}

main().catch((error: Error) => {
  process.stdout.write(`${JSON.stringify({ ok: false, error: error.message.slice(0, 300) })}\n`);
  process.exit(1);
});
