/**
 * TTDense vs tf.layers.dense at 57,600 -> 1,024 (the UCF11 end-to-end LSTM's
 * input map, Yang et al. shapes: inShape 8x20x20x18, outShape 16x4x4x4,
 * ranks 4), batch 16 clips x 8 frames = 128 rows.
 *
 * Each configuration runs in its own child process so the wasm heap
 * high-water mark and the peak RSS belong to that configuration alone.
 * Forward: `layer.apply(x)` until the data is read back. Training step: loss
 * = mean(y^2), gradients of every weight, one SGD update. Warm-up runs first,
 * then the median of several runs.
 *
 * Usage: npm run bench -w packages/tensor
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { TTDense } from '../src/index.js';
import { patchWasmMatMul } from '@tfjs-compress/runtime';

const IN = 57600;
const OUT = 1024;
const ROWS = 128;
const TT = { inShape: [8, 20, 20, 18], outShape: [16, 4, 4, 4], ranks: 4 };

type Kind = 'dense' | 'tt';
interface Config {
  backend: 'wasm' | 'cpu';
  kind: Kind;
  /** Route transposed wasm matMuls through an explicit transpose (measured with tfjs 4.22). */
  patch: boolean;
  forwardRuns: number;
  trainRuns: number;
  /** Warm-up runs before timing. Default: 2 forward passes and 1 training step. */
  warmup?: number;
}
interface Result extends Config {
  params: number;
  weightBytes: number;
  forwardMs: number;
  trainStepMs: number | null;
  liveBytesAtGradients: number | null;
  wasmHeapBytes: number | null;
  maxRssBytes: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];


function wasmHeap(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return backend.wasm ? backend.wasm.HEAPU8.buffer.byteLength : null;
}

async function runChild(config: Config): Promise<Result> {
  await tf.setBackend(config.backend);
  await tf.ready();
  if (config.patch && config.backend === 'wasm') patchWasmMatMul();
  const layer =
    config.kind === 'tt'
      ? new TTDense({ units: OUT, ...TT, seed: 1 })
      : tfl.layers.dense({ units: OUT, kernelInitializer: tfl.initializers.randomNormal({ stddev: 0.006, seed: 1 }) });
  const before = tf.memory().numBytes;
  layer.build([null, IN]);
  const weightBytes = tf.memory().numBytes - before;
  const x = tf.randomNormal([ROWS, IN], 0, 1, 'float32', 2);
  const forward = () => {
    const start = performance.now();
    const y = layer.apply(x) as tf.Tensor;
    y.dataSync();
    y.dispose();
    return performance.now() - start;
  };
  for (let i = 0; i < (config.warmup ?? 2); i++) forward();
  const forwardMs = median(Array.from({ length: config.forwardRuns }, forward));

  let trainStepMs: number | null = null;
  let liveBytesAtGradients: number | null = null;
  if (config.trainRuns > 0) {
    const optimizer = tf.train.sgd(1e-3);
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = () => {
      const start = performance.now();
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, variables);
      liveBytesAtGradients = Math.max(liveBytesAtGradients ?? 0, tf.memory().numBytes);
      optimizer.applyGradients(grads);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
      return performance.now() - start;
    };
    for (let i = 0; i < Math.min(config.warmup ?? 1, 1); i++) step();
    trainStepMs = median(Array.from({ length: config.trainRuns }, step));
  }
  return {
    ...config,
    params: layer.countParams(),
    weightBytes,
    forwardMs,
    trainStepMs,
    liveBytesAtGradients,
    wasmHeapBytes: wasmHeap(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

const CONFIGS: Config[] = [
  { backend: 'wasm', kind: 'dense', patch: true, forwardRuns: 5, trainRuns: 3 },
  { backend: 'wasm', kind: 'tt', patch: true, forwardRuns: 7, trainRuns: 5 },
  { backend: 'wasm', kind: 'tt', patch: false, forwardRuns: 7, trainRuns: 5 },
  // Unpatched dense training takes about 20 s a step: one step, no warm-up.
  { backend: 'wasm', kind: 'dense', patch: false, forwardRuns: 3, trainRuns: 1, warmup: 0 },
  { backend: 'cpu', kind: 'tt', patch: false, forwardRuns: 5, trainRuns: 3 },
  // The cpu backend does about 1 GFLOP/s: one dense forward pass only.
  { backend: 'cpu', kind: 'dense', patch: false, forwardRuns: 1, trainRuns: 0, warmup: 0 },
];

const mb = (bytes: number | null) =>
  bytes == null ? '-' : bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KB` : (bytes / 2 ** 20).toFixed(1);
const ms = (value: number | null) => (value == null ? '-' : value.toFixed(1));

async function main(): Promise<void> {
  const [mode, json] = process.argv.slice(2);
  if (mode === 'child') {
    process.stdout.write(`${JSON.stringify(await runChild(JSON.parse(json) as Config))}\n`);
    return;
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const results: Result[] = [];
  for (const config of CONFIGS) {
    const started = Date.now();
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, 'run.ts'), 'child', JSON.stringify(config)], {
      cwd: resolve(here, '..'),
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const result = JSON.parse(out.trim().split('\n').pop()!) as Result;
    results.push(result);
    console.error(`${config.backend} ${config.kind} patch=${config.patch}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const header = ['backend', 'layer', 'matMul patch', 'params', 'weights MB', 'forward ms', 'train step ms', 'live MB at grads', 'wasm heap MB', 'peak RSS MB'];
  const rows = results.map((r) => [
    r.backend,
    r.kind === 'tt' ? 'TTDense r=4' : 'dense',
    r.backend === 'wasm' ? (r.patch ? 'on' : 'off') : '-',
    String(r.params),
    mb(r.weightBytes),
    ms(r.forwardMs),
    ms(r.trainStepMs),
    mb(r.liveBytesAtGradients),
    mb(r.wasmHeapBytes),
    mb(r.maxRssBytes),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`57,600 -> 1,024, ${ROWS} rows (16 clips x 8 frames), median of runs after warm-up (see CONFIGS), SGD step`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  const root = resolve(here, '..', '..', '..');
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(
    join(root, 'bench-results', 'tensor.json'),
    `${JSON.stringify({ benchmark: 'TTDense vs dense, 57600 -> 1024', rows: ROWS, tt: TT, date: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
  );
  console.log(`written ${join(root, 'bench-results', 'tensor.json')}`);
}

await main();
