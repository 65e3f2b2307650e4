/**
 * `npm run bench` for @tfjs-compress/vib-rnn: VIBLSTM against tf.layers.lstm
 * on the same backend, measured in one run and reported as ratios.
 * Writes bench-results/vib-rnn.json at the repository root and prints a table.
 */
import { spawnSync } from 'node:child_process';
import { printTable, writeBenchJson } from '@tfjs-compress/testing';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseSpec, LayerResult } from './bench-case.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const quick = process.env.BENCH_QUICK === '1';

function runCase(spec: CaseSpec, timeoutMs: number): { ok: boolean; results?: LayerResult[]; error?: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'bench-case.ts'), JSON.stringify(spec)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 24,
  });
  const line = child.stdout?.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (line) return JSON.parse(line);
  const reason = child.error?.message ?? child.stderr?.split('\n').filter(Boolean).slice(-3).join(' | ') ?? 'no output';
  return { ok: false, error: child.signal ? `killed (${child.signal}) after ${timeoutMs / 1000}s` : reason.slice(0, 300) };
}

const stepShape = { batch: 32, steps: 16, features: 2048, units: 256 };
const bigShape = { batch: 16, steps: 8, features: 57600, units: 256 };
const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cases: [] };
const rows: string[][] = [];
const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;

for (const backend of ['wasm', 'cpu'] as const) {
  const spec: CaseSpec = { backend, layers: ['vib', 'builtin'], ...stepShape, repeats: quick ? 1 : 5 };
  process.stderr.write(`step time ${backend} [${stepShape.batch},${stepShape.steps},${stepShape.features}] -> ${stepShape.units} ...\n`);
  const result = runCase(spec, 20 * 60_000);
  (report.cases as unknown[]).push({ kind: 'step-ratio', spec, ...result });
  if (result.ok && result.results) {
    const [vib, builtin] = result.results;
    rows.push([
      `train step [32,16,2048]->256`,
      backend,
      `${vib.medianMs.toFixed(0)} ms (${spread(vib.stepMs)})`,
      `${builtin.medianMs.toFixed(0)} ms (${spread(builtin.stepMs)})`,
      (vib.medianMs / builtin.medianMs).toFixed(2),
    ]);
  } else rows.push([`train step [32,16,2048]->256`, backend, 'failed', result.error ?? '', '']);
}

for (const layer of ['vib', 'builtin'] as const) {
  const spec: CaseSpec = { backend: 'wasm', layers: [layer], ...bigShape, repeats: quick ? 1 : 7, warmup: quick ? 1 : 3, floor: layer === 'vib' };
  process.stderr.write(`end-to-end step ${layer} [16,8,57600] -> 256 on wasm ...\n`);
  const result = runCase(spec, 15 * 60_000);
  const r = result.results?.[0];
  const ratio = r?.floorMedianMs ? r.medianMs / r.floorMedianMs : null;
  // Per-example gate noise makes the input gradient a third matMul of the same size.
  const ratioThree = r?.floorMedianMs && r.inputGradientMedianMs ? r.medianMs / (r.floorMedianMs + r.inputGradientMedianMs) : null;
  // The kernel changes every training step, so its packing is part of what a step can reach.
  const ratioFresh = r?.floorFreshMedianMs ? r.medianMs / r.floorFreshMedianMs : null;
  (report.cases as unknown[]).push({
    kind: layer === 'vib' ? 'e2e-step' : 'memory-fit',
    spec,
    ...result,
    ...(ratio ? { ratioToFloor: ratio, ratioToFloorWithInputGradient: ratioThree, ratioToFreshFloor: ratioFresh } : {}),
  });
  if (layer === 'vib') {
    rows.push([
      'e2e step [16,8,57600]->256',
      'wasm',
      result.ok && r ? `${r.medianMs.toFixed(0)} ms (${spread(r.stepMs)}), heap ${r.peakHeapMiB?.toFixed(0)} MiB` : 'failed',
      r?.floorMs ? `floor ${r.floorMedianMs!.toFixed(0)} ms (${spread(r.floorMs)})` : (result.error ?? '').slice(0, 60),
      ratio ? `${ratio.toFixed(2)} (step/floor); ${ratioFresh?.toFixed(2)} vs a fresh W; ${ratioThree?.toFixed(2)} with dY W^T` : '',
    ]);
  } else {
    rows.push([
      'fits [16,8,57600]->256',
      'wasm',
      '',
      result.ok && r ? `tf.layers.lstm fits: ${r.medianMs.toFixed(0)} ms, heap ${r.peakHeapMiB?.toFixed(0)} MiB` : `tf.layers.lstm: no (${(result.error ?? '').slice(0, 40)})`,
      '',
    ]);
  }
}

const header = ['case', 'backend', 'VIBLSTM / result', 'tf.layers.lstm / detail', 'ratio (ours/builtin)'];
printTable(header, rows);
writeBenchJson(join(root, 'bench-results', 'vib-rnn.json'), report);
