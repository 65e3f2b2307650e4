/**
 * `npm run bench` for @tfjs-compress/parallel: the same VIB training steps
 * with one worker thread and with two (and, for reference, VIBTrainer on
 * the main thread), on wasm. The three run interleaved, one step each per
 * round, so that load from other processes hits them alike; the ratio is
 * taken from medians measured back to back in one run.
 * Writes bench-results/parallel.json at the repository root and prints a table.
 *
 * Env: BENCH_QUICK=1 (fewer steps), BENCH_E2E=1 or only (adds, or runs only, [16,8,57600] -> 256, 59M parameters:
 * about 2 x 3 GiB of wasm heap and minutes per case).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { median, printTable, writeBenchJson } from '@tfjs-compress/testing';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@tfjs-compress/runtime';
import { VIBTrainer } from '@tfjs-compress/vib';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { DataParallelTrainer, threadCpuMs } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const quick = process.env.BENCH_QUICK === '1';
const CLASSES = 11;

interface Shape {
  batch: number;
  steps: number;
  features: number;
  units: number;
  rounds: number;
}

const shapes: Shape[] = [
  { batch: 32, steps: 16, features: 2048, units: 256, rounds: quick ? 3 : 8 },
  { batch: 16, steps: 8, features: 3600, units: 64, rounds: quick ? 4 : 12 },
];
if (process.env.BENCH_E2E === 'only') shapes.length = 0;
if (process.env.BENCH_E2E) shapes.push({ batch: 16, steps: 8, features: 57600, units: 256, rounds: quick ? 2 : 4 });

function buildModel(s: Shape): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(new VIBLSTM({ units: s.units, inputShape: [s.steps, s.features], inputBottleneck: true, seed: 1 }));
  model.add(tfl.layers.dense({ units: CLASSES, activation: 'softmax' }));
  model.build([null, s.steps, s.features]);
  return model;
}

interface Stats {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** (max - min) / median */
  spread: number;
  samplesMs: number[];
}

function stats(samples: number[]): Stats {
  const middle = median(samples);
  const [min, max] = [Math.min(...samples), Math.max(...samples)];
  return {
    medianMs: middle,
    minMs: min,
    maxMs: max,
    spread: (max - min) / middle,
    samplesMs: samples.map((v) => Math.round(v)),
  };
}

const backend = await selectBackend('wasm');
const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model,
  loadAverageAtStart: loadavg(),
  note: 'single = VIBTrainer on the main thread; 1w / 2w = DataParallelTrainer with 1 / 2 wasm workers. Interleaved, one step each per round, after 2 warm-up steps each.',
  cases: [] as unknown[],
};
const rows: string[][] = [];
const breakdown: string[][] = [];

for (const shape of shapes) {
  const label = `[${shape.batch},${shape.steps},${shape.features}]->${shape.units}`;
  process.stderr.write(`${label} on wasm: ${shape.rounds} rounds ...\n`);
  const model = buildModel(shape);
  const x = tf.randomNormal([shape.batch, shape.steps, shape.features], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.randomUniform([shape.batch], 0, CLASSES, 'int32', 8), CLASSES);
  const big = shape.features > 10_000;
  // The 59M-parameter case does not fit three copies in memory next to each other comfortably: no main-thread run there.
  const singleModel = big ? null : buildModel(shape);
  const single = singleModel ? new VIBTrainer(singleModel) : null;
  const one = await DataParallelTrainer.create(model, { workers: 1, imports: ['@tfjs-compress/vib-rnn'], backend: 'wasm' });
  const two = await DataParallelTrainer.create(model, { workers: 2, imports: ['@tfjs-compress/vib-rnn'], backend: 'wasm' });
  const times: Record<'single' | '1w' | '2w', number[]> = { single: [], '1w': [], '2w': [] };
  // CPU ms per step of the busiest thread (the critical path were the cores free), and of the main thread.
  const cpu: Record<'single' | '1w' | '2w', number[]> = { single: [], '1w': [], '2w': [] };
  const mainCpu: Record<'1w' | '2w', number[]> = { '1w': [], '2w': [] };
  const phases: Record<'1w' | '2w', Array<Record<string, number>>> = { '1w': [], '2w': [] };
  try {
    for (let round = -2; round < shape.rounds; round++) {
      if (single) {
        const c0 = threadCpuMs() ?? NaN;
        const t0 = performance.now();
        single.trainOnBatch(x, y);
        if (round >= 0) {
          times.single.push(performance.now() - t0);
          cpu.single.push((threadCpuMs() ?? NaN) - c0);
        }
      }
      for (const [key, dp] of [
        ['1w', one],
        ['2w', two],
      ] as const) {
        const before = await dp.threadCpuMs();
        const m0 = threadCpuMs() ?? NaN;
        const t0 = performance.now();
        const { ms, workerMs } = await dp.trainOnBatch(x, y);
        const wall = performance.now() - t0;
        const m1 = threadCpuMs() ?? NaN;
        const after = await dp.threadCpuMs();
        if (round >= 0) {
          times[key].push(wall);
          phases[key].push({ ...ms, ...workerMs });
          cpu[key].push(Math.max(...after.map((a, i) => (a ?? NaN) - (before[i] ?? NaN))));
          mainCpu[key].push(m1 - m0);
        }
      }
      if (round >= 0) process.stderr.write(`  round ${round + 1}/${shape.rounds}: ${['single', '1w', '2w'].map((k) => `${k} ${(times[k as '1w'].at(-1) ?? NaN).toFixed(0)} ms`).join(', ')}\n`);
    }
  } finally {
    await one.dispose();
    await two.dispose();
    single?.dispose();
    singleModel?.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
  const s1 = stats(times['1w']);
  const s2 = stats(times['2w']);
  const ss = times.single.length ? stats(times.single) : null;
  // Ratio per round (each pair measured back to back), then its median and range.
  const ratios = times['1w'].map((t, i) => t / times['2w'][i]);
  const ratio = stats(ratios.map((r) => r * 1000));
  const meanPhase = (list: Array<Record<string, number>>): Record<string, number> =>
    Object.fromEntries(Object.keys(list[0]).map((k) => [k, list.reduce((a, p) => a + p[k], 0) / list.length]));
  const params = model.countParams();
  const total = (list: number[]) => list.reduce((a, b) => a + b, 0);
  const cpuPerStep = (key: 'single' | '1w' | '2w') => (cpu[key].length ? total(cpu[key]) / cpu[key].length : null);
  const cpuRatio = total(cpu['1w']) / total(cpu['2w']);
  (report.cases as unknown[]).push({
    shape: label,
    backend: backend.name,
    parameters: params,
    rounds: shape.rounds,
    single: ss,
    oneWorker: { ...s1, phasesMeanMs: meanPhase(phases['1w']) },
    twoWorkers: { ...s2, phasesMeanMs: meanPhase(phases['2w']) },
    speedup: { median: ratio.medianMs / 1000, min: ratio.minMs / 1000, max: ratio.maxMs / 1000, target: 1.7 },
    cpuMsPerStep: {
      note: 'CPU time of the busiest worker thread per step (/proc/thread-self, 10 ms ticks); main thread separately. Ratio 1w/2w estimates the speed-up on idle cores.',
      single: cpuPerStep('single'),
      oneWorker: cpuPerStep('1w'),
      twoWorkers: cpuPerStep('2w'),
      mainThreadOneWorker: total(mainCpu['1w']) / mainCpu['1w'].length,
      mainThreadTwoWorkers: total(mainCpu['2w']) / mainCpu['2w'].length,
      ratio: cpuRatio,
    },
  });
  const p2 = meanPhase(phases['2w']);
  rows.push([
    label,
    `${(params / 1e6).toFixed(2)}M`,
    ss ? `${ss.medianMs.toFixed(0)} ±${(100 * ss.spread).toFixed(0)}%` : '-',
    `${s1.medianMs.toFixed(0)} ±${(100 * s1.spread).toFixed(0)}%`,
    `${s2.medianMs.toFixed(0)} ±${(100 * s2.spread).toFixed(0)}%`,
    `${(ratio.medianMs / 1000).toFixed(2)}x (${(ratio.minMs / 1000).toFixed(2)}-${(ratio.maxMs / 1000).toFixed(2)})`,
    `${p2.update.toFixed(0)} ms`,
    `${cpuPerStep('1w')!.toFixed(0)} / ${cpuPerStep('2w')!.toFixed(0)} ms = ${cpuRatio.toFixed(2)}x`,
  ]);
  for (const key of ['1w', '2w'] as const) {
    const p = meanPhase(phases[key]);
    breakdown.push([label, key, ...['compute', 'readOut', 'reduce', 'update', 'shareOut', 'shareIn'].map((k) => p[k].toFixed(0))]);
  }
}

printTable(['shape (wasm)', 'params', 'single ms', '1 worker ms', '2 workers ms', '2w speed-up (range)', '2w exchange+update', 'cpu/step busiest thread 1w / 2w'], rows);
console.log('\nmean wall ms per step in the slowest worker');
printTable(['shape', 'workers', 'fwd+bwd', 'grad out', 'reduce', 'adam (own parts)', 'weights out', 'weights in'], breakdown);
report.loadAverageAtEnd = loadavg();
console.log(`load average at start ${(report.loadAverageAtStart as number[]).map((l) => l.toFixed(1)).join(' ')}, end ${loadavg().map((l) => l.toFixed(1)).join(' ')} (${availableParallelism()} cores)`);

writeBenchJson(join(root, 'bench-results', 'parallel.json'), report);
