/**
 * `npm run bench` (vib-rnn, second part): what shrinking in place buys at the
 * paper's shape. One wasm process times, interleaved, training steps of
 *   - the full layer [16, 8, 57600] -> 256,
 *   - the same layer shrunk in place to 5% of its inputs and half its units
 *     (`shrinkInPlace`: same model object and input, gathers inside), and
 *   - a layer built at that small size, fed the gathered inputs (what a
 *     rebuilt model with a feature selection in front computes).
 * Ratios: in place / rebuilt (the cost of staying the same model object) and
 * full / in place (the speed-up). Writes bench-results/shrink-in-place.json.
 *   node --import tsx bench/shrink-in-place.ts [--repeats 5]
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import { patchWasmGather, patchWasmMatMul } from '@tfjs-compress/runtime';
import { median, printTable, writeBenchJson } from '@tfjs-compress/testing';
import { VIBTrainer } from '@tfjs-compress/vib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VIBLSTM } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const quick = process.env.BENCH_QUICK === '1';
const repeatsFlag = process.argv.indexOf('--repeats');
const repeats = repeatsFlag > 0 ? Number(process.argv[repeatsFlag + 1]) : quick ? 2 : 5;
const [B, T, F, H] = [16, 8, 57600, 256];
const keptInputs = Array.from({ length: F / 20 }, (_, i) => i * 20);
const keptUnits = Array.from({ length: H / 2 }, (_, i) => i * 2);

function model(features: number, units: number): { model: tfl.LayersModel; rnn: VIBLSTM } {
  const rnn = new VIBLSTM({ units, inputShape: [T, features], inputBottleneck: true, seed: 1 });
  return { model: tfl.sequential({ layers: [rnn, tfl.layers.dense({ units: 11, activation: 'softmax' })] }), rnn };
}

async function main() {
  patchWasmMatMul();
  patchWasmGather();
  await tf.setBackend('wasm');
  await tf.ready();
  const x = tf.randomNormal([B, T, F], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: B }, (_, i) => i % 11), 'int32'), 11);

  const full = model(F, H);
  const inPlace = model(F, H);
  inPlace.model.predict(tf.zeros([1, T, F]));
  const keep = new Set(keptInputs);
  const keepUnits = new Set(keptUnits);
  inPlace.rnn.shrinkInPlace({
    inputs: Array.from({ length: F }, (_, k) => k).filter((k) => !keep.has(k)),
    units: Array.from({ length: H }, (_, k) => k).filter((k) => !keepUnits.has(k)),
  });
  const rebuilt = model(keptInputs.length, keptUnits.length);
  const keptIndex = tf.tensor1d(keptInputs, 'int32');
  const runs = [
    { name: 'full size', step: (t: VIBTrainer) => t.trainOnBatch(x, y), trainer: new VIBTrainer(full.model, { lr: 1e-3 }), ms: [] as number[] },
    { name: 'shrunk in place', step: (t: VIBTrainer) => t.trainOnBatch(x, y), trainer: new VIBTrainer(inPlace.model, { lr: 1e-3 }), ms: [] as number[] },
    {
      name: 'rebuilt small',
      step: (t: VIBTrainer) => {
        const gathered = tf.gather(x, keptIndex, 2);
        t.trainOnBatch(gathered, y);
        gathered.dispose();
      },
      trainer: new VIBTrainer(rebuilt.model, { lr: 1e-3 }),
      ms: [] as number[],
    },
  ];
  // Interleaved so that machine noise hits all three alike; the first two rounds warm up (heap growth, packing).
  for (let r = -1; r <= repeats; r++) {
    for (const run of runs) {
      const start = performance.now();
      run.step(run.trainer);
      if (r > 0) run.ms.push(performance.now() - start);
    }
    process.stderr.write(`round ${r}/${repeats}\r`);
  }
  const [fullMs, inPlaceMs, rebuiltMs] = runs.map((r) => median(r.ms));
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    backend: 'wasm',
    shape: { batch: B, steps: T, features: F, units: H, keptInputs: keptInputs.length, keptUnits: keptUnits.length },
    steps: Object.fromEntries(runs.map((r) => [r.name, { ms: r.ms, medianMs: median(r.ms) }])),
    inPlaceOverRebuilt: inPlaceMs / rebuiltMs,
    fullOverInPlace: fullMs / inPlaceMs,
  };
  printTable(
    ['training step', 'median', 'steps (ms)'],
    runs.map((r) => [r.name, `${median(r.ms).toFixed(0)} ms`, r.ms.map((v) => v.toFixed(0)).join(', ')]),
  );
  console.log(`\nin place / rebuilt: ${report.inPlaceOverRebuilt.toFixed(2)}x; full / in place: ${report.fullOverInPlace.toFixed(1)}x`);
  writeBenchJson(join(root, 'bench-results', 'shrink-in-place.json'), report);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
