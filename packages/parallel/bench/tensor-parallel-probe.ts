/**
 * Would splitting the input projection between the two cores beat data
 * parallelism at the paper's end-to-end shape? This probe times the work
 * that dominates a step, [16 x 8, 57,600] x [57,600, 1,024] on wasm: the
 * forward product, the weight gradient X^T dY, the input gradient dY W^T
 * (which per-example gate noise needs) and the Adam update, which gives W
 * a new buffer so the next forward packs it again, as in training.
 *
 *   one:    one worker thread with all 1,024 columns of W.
 *   split:  two worker threads at once, each with 512 columns (tensor
 *           parallelism: every core streams half of W), plus what that
 *           route must move: each worker's partial dY W^T copied out and
 *           the two summed on the main thread.
 *   halves: two worker threads at once, each with all of W and half the
 *           rows (what DataParallelTrainer's workers compute), for
 *           comparison.
 *
 * The recurrence, gates and head are not in it: they are a small part of
 * the step at this shape (about 0.1 of it). Rounds alternate between the
 * routes, so load from other processes hits them alike.
 *
 *   node --import tsx bench/tensor-parallel-probe.ts [--rounds 7]
 */
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable, writeBenchJson } from '@tfjs-compress/testing';
import { startModuleWorker } from '../src/module-worker.js';

const ROWS = 16 * 8;
const FEATURES = 57_600;
const COLUMNS = 4 * 256;

interface ProbeWorker {
  rows: number;
  columns: number;
  /** Where the partial input gradient goes (null: not copied out). */
  share: SharedArrayBuffer | null;
}

async function workerMain(spec: ProbeWorker): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  const { patchWasmMatMul } = await import('@tfjs-compress/runtime');
  const { LeanAdam } = await import('@tfjs-compress/vib');
  patchWasmMatMul();
  await tf.setBackend('wasm');
  const x = tf.randomNormal([spec.rows, FEATURES], 0, 1, 'float32', 1);
  const w = tf.variable(tf.randomNormal([FEATURES, spec.columns], 0, 0.01, 'float32', 2));
  const dy = tf.randomNormal([spec.rows, spec.columns], 0, 1, 'float32', 3);
  const optimizer = new LeanAdam(1e-3);
  const out = spec.share ? new Float32Array(spec.share) : null;
  parentPort!.on('message', () => {
    const started = performance.now();
    tf.matMul(x, w).dispose();
    const gradient = tf.matMul(x, dy, true, false);
    const inputGradient = tf.matMul(dy, w, false, true);
    optimizer.applyGradients({ [w.name]: gradient });
    gradient.dispose();
    if (out) out.set(inputGradient.dataSync());
    inputGradient.dispose();
    parentPort!.postMessage(performance.now() - started);
  });
  parentPort!.postMessage('ready');
}

function start(spec: ProbeWorker): Promise<Worker> {
  const worker = startModuleWorker(import.meta.url, spec);
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

const step = (worker: Worker) =>
  new Promise<number>((resolve) => {
    worker.once('message', resolve);
    worker.postMessage('go');
  });

async function main(): Promise<void> {
  const roundsFlag = process.argv.indexOf('--rounds');
  const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 7;
  const warmup = 3;
  const partials = [0, 1].map(() => new SharedArrayBuffer(ROWS * FEATURES * 4));
  // One route's workers at a time hold their heaps; all three sets fit in memory (about 6 GB).
  const routes = {
    one: [await start({ rows: ROWS, columns: COLUMNS, share: null })],
    split: await Promise.all(partials.map((share) => start({ rows: ROWS, columns: COLUMNS / 2, share }))),
    halves: await Promise.all([0, 1].map(() => start({ rows: ROWS / 2, columns: COLUMNS, share: null }))),
  };
  const times: Record<keyof typeof routes, number[]> = { one: [], split: [], halves: [] };
  const sum = new Float32Array(ROWS * FEATURES);
  for (let r = 0; r < warmup + rounds; r++) {
    for (const route of Object.keys(routes) as Array<keyof typeof routes>) {
      const started = performance.now();
      await Promise.all(routes[route].map(step));
      if (route === 'split') {
        // The all-reduce of the partial input gradients.
        const [a, b] = partials.map((p) => new Float32Array(p));
        for (let i = 0; i < sum.length; i++) sum[i] = a[i] + b[i];
      }
      if (r >= warmup) times[route].push(performance.now() - started);
    }
  }
  for (const workers of Object.values(routes)) for (const w of workers) await w.terminate();
  const one = median(times.one);
  const rows = (Object.keys(times) as Array<keyof typeof routes>).map((route) => [
    route,
    `${median(times[route]).toFixed(0)} ms`,
    `${Math.min(...times[route]).toFixed(0)}-${Math.max(...times[route]).toFixed(0)} ms`,
    `${(one / median(times[route])).toFixed(2)}x`,
  ]);
  console.log(`input projection of [${ROWS}, ${FEATURES}] x [${FEATURES}, ${COLUMNS}], wasm, forward + X^T dY + dY W^T + Adam, median of ${rounds}`);
  printTable(['route', 'median', 'range', 'one / route'], rows);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  writeBenchJson(join(root, 'bench-results', 'tensor-parallel-probe.json'), {
    date: new Date().toISOString(),
    shape: { rows: ROWS, features: FEATURES, columns: COLUMNS },
    rounds,
    samplesMs: times,
    ratios: { split: one / median(times.split), halves: one / median(times.halves) },
  });
}

if (isMainThread) await main();
else await workerMain(workerData as ProbeWorker);
