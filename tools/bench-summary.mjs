#!/usr/bin/env node
/**
 * The last step of `npm run bench`: reads what each workspace's benchmark
 * wrote to bench-results/ and prints the benchmarks' figures as one table of
 * ratios against their targets; writes bench-results/summary.json.
 * A benchmark that did not run shows as "not run", not as a failure.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
const read = (name) => {
  const file = join(dir, `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
};
const ms = (v) => (v == null ? '?' : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(2)} ms`);
const x = (v) => (v == null ? '?' : `${v.toFixed(2)}x`);

/** One row: what, shape/backend, measured detail, ratio, target, met. */
const rows = [];
const add = (figure, shape, detail, ratio, target, met, ratioText) =>
  rows.push({ figure, shape, detail, ratio, ratioText: ratioText ?? x(ratio), target, met: ratio == null ? null : met });

const rnn = read('vib-rnn');
for (const c of rnn?.cases ?? []) {
  if (c.kind === 'step-ratio' && c.ok) {
    const [vib, builtin] = c.results;
    const r = vib.medianMs / builtin.medianMs;
    add('VIBLSTM step / tf.layers.lstm step', `[32,16,2048]->256 ${c.spec.backend}`, `${ms(vib.medianMs)} vs ${ms(builtin.medianMs)} (medians of ${vib.stepMs.length})`, r, '<= 1.0', r <= 1.0);
  }
  if (c.kind === 'e2e-step' && c.ok) {
    const r0 = c.results[0];
    add(
      'e2e step / input-projection floor',
      '[16,8,57600]->256 wasm',
      `${ms(r0.medianMs)} vs floor ${ms(r0.floorMedianMs)} (${ms(r0.floorFreshMedianMs)} with a fresh W, ${x(c.ratioToFreshFloor)}; ` +
        `${x(c.ratioToFloorWithInputGradient)} counting dY W^T); heap ${r0.peakHeapMiB?.toFixed(0)} MiB of 4096`,
      c.ratioToFloor,
      '<= 1.3',
      c.ratioToFloor <= 1.3,
    );
  }
}
if (!rnn) add('VIBLSTM step / tf.layers.lstm step', 'packages/vib-rnn', 'not run', null, '<= 1.0', null);

const inPlace = read('shrink-in-place');
if (inPlace) {
  const s = inPlace.shape;
  const steps = inPlace.steps;
  add(
    'shrunk-in-place step / rebuilt small step',
    `[${s.batch},${s.steps},${s.features}]->${s.units} kept ${s.keptInputs}/${s.keptUnits} ${inPlace.backend}`,
    `${ms(steps['shrunk in place'].medianMs)} vs ${ms(steps['rebuilt small'].medianMs)}; full size ${ms(steps['full size'].medianMs)} (${x(inPlace.fullOverInPlace)} slower than in place)`,
    inPlace.inPlaceOverRebuilt,
    '<= 1.5',
    inPlace.inPlaceOverRebuilt <= 1.5,
  );
} else add('shrunk-in-place step / rebuilt small step', 'packages/vib-rnn', 'not run', null, '<= 1.5', null);

const shrink = read('shrink');
for (const c of shrink?.configs ?? []) {
  add(
    'mask run / shrink (remove) run',
    `${c.config}: ${c.shape}, ${c.schedule}`,
    `accuracy mask - remove ${(c.accuracyGapPointsPerSeed ?? [c.accuracyGapPoints]).map((g) => g?.toFixed(1)).join(', ')} points` +
      (c.masksOnlyAccuracySpreadPoints != null ? ` (mask spread over seeds ${c.masksOnlyAccuracySpreadPoints.toFixed(1)})` : '') +
      `; after the first shrink ${x(c.tailRatio)}`,
    c.ratio,
    '>= 3, gap within 1 point',
    c.ratio >= 3 && Math.abs(c.accuracyGapPoints) <= 1,
  );
}
if (!shrink) add('mask run / shrink (remove) run', 'apps/ucf11-e2e', 'not run', null, '>= 3', null);

const engine = read('engine');
if (engine) {
  const [fixed, budget] = engine.runs;
  add(
    'VIB epoch, accuracy budget / fixed ramp',
    `${engine.shape} ${engine.backend}`,
    `median ${budget.vibEpochMedianSeconds.toFixed(1)} s vs ${fixed.vibEpochMedianSeconds.toFixed(1)} s (${x(engine.equalSizeVibEpochRatio)} while both were full size); ` +
      `train + compress ${(budget.trainSeconds + budget.compressSeconds).toFixed(0)} s vs ${(fixed.trainSeconds + fixed.compressSeconds).toFixed(0)} s; ` +
      `LSTM ${budget.lstmRatio.toFixed(1)}x vs ${fixed.lstmRatio.toFixed(1)}x`,
    engine.vibEpochRatio,
    '<= 1.0',
    engine.vibEpochRatio <= 1.0,
  );
} else add('VIB epoch, accuracy budget / fixed ramp', 'apps/ucf11-e2e', 'not run', null, '<= 1.0', null);

const parallel = read('parallel');
for (const c of parallel?.cases ?? []) {
  const wall = c.speedup?.median;
  const cpu = c.cpuMsPerStep?.ratio;
  add(
    '1 worker / 2 workers (wall)',
    `${c.shape} ${c.backend}`,
    `spread ${x(c.speedup?.min)}-${x(c.speedup?.max)}; CPU-time estimate ${x(cpu)}; load ${parallel.loadAverageAtStart?.[0]}`,
    wall,
    '>= 1.7',
    wall >= 1.7,
  );
}
if (!parallel) add('1 worker / 2 workers', 'packages/parallel', 'not run', null, '>= 1.7', null);

// What either route could reach at most: the input projection's products and Adam alone, two threads at once.
const probe = read('tensor-parallel-probe');
for (const [route, label] of [['split', 'columns split (tensor-parallel)'], ['halves', 'rows split (data-parallel)']]) {
  if (probe?.ratios?.[route] == null) continue;
  add(
    `input projection alone, 1 thread / 2 threads, ${label}`,
    `[${probe.shape.rows}, ${probe.shape.features}] x [${probe.shape.features}, ${probe.shape.columns}] wasm`,
    'upper bound for a whole step by that route (no recurrence, no communication but the split route\'s dY W^T sum)',
    probe.ratios[route],
    '>= 1.7',
    probe.ratios[route] >= 1.7,
  );
}

const inference = read('inference');
for (const c of inference?.cases ?? []) {
  if (!c.ok) continue;
  const m = c.modelOnly;
  const best = m?.compactFused ?? m?.compactLayers;
  add(
    'uncompressed / compact inference per clip (e2e, model)',
    `[1,8,57600]->256 ${c.backend}, kept ${c.keptInputs} px / ${c.keptUnits} units`,
    `${ms(m?.uncompressed?.medianMs)} vs ${ms(best?.medianMs)}; with ffmpeg decode ${x(c.ratios?.withDecode)}`,
    c.ratios?.modelOnlyFused ?? c.ratios?.modelOnlyLayers,
    '>= 100',
    (c.ratios?.modelOnlyFused ?? c.ratios?.modelOnlyLayers) >= 100,
  );
}
if (!inference) add('uncompressed / compact inference per clip (e2e)', 'apps/ucf11-e2e', 'not run', null, '>= 100', null);

const cnn = read('ucf11-cnn-lstm');
if (cnn) {
  const s = cnn.stages ?? {};
  add(
    'uncompressed / compact LSTM per clip (CNN-LSTM)',
    `${cnn.shape?.frames} x ${cnn.shape?.features} -> ${cnn.shape?.units} ${cnn.backend}`,
    `${ms(s.lstmUncompressed?.medianMs)} vs ${ms(s.lstmCompact?.medianMs)}; whole clip with features ${x(cnn.speedup?.total)}`,
    cnn.speedup?.lstm,
    '>= 100',
    cnn.speedup?.lstm >= 100,
  );
} else add('uncompressed / compact LSTM per clip (CNN-LSTM)', 'apps/ucf11-cnn-lstm', 'not run', null, '>= 100', null);

// What a new user gets from each app's defaults on a 275-clip set: the oversized run refused at once, the default run finished, uint8 close to float32.
for (const app of ['ucf11-e2e', 'ucf11-cnn-lstm']) {
  const d = read(`${app}-defaults`);
  if (!d) {
    add(`defaults: uint8 compact - float32 compact (${app})`, `apps/${app}`, 'not run', null, '>= -0.5 points', null);
    continue;
  }
  const seconds = Object.fromEntries(d.stages.map((s) => [s.name, s.seconds]));
  const a = d.accuracy;
  const pct = (v) => (v == null ? '?' : `${(v * 100).toFixed(1)}%`);
  add(
    `defaults: uint8 compact - float32 compact (${app})`,
    `${d.set.clips} clips, ${d.backend ?? '?'}`,
    `train ${d.finished ? `finished in ${seconds['train (defaults)']?.toFixed(0)} s` : 'DID NOT FINISH'}; oversized run ${d.oversized.stoppedBeforeReadingClips ? 'stopped before reading a clip' : 'NOT STOPPED EARLY'}; ` +
      `baseline ${pct(a?.baseline)}, compact ${pct(a?.compact)} (LSTM ${x(d.lstmRatio)}), uint8 ${pct(a?.quantized)}`,
    a?.quantizedMinusCompactPoints ?? null,
    '>= -0.5 points',
    d.finished && d.oversized.stoppedBeforeReadingClips && a?.quantizedMinusCompactPoints >= -0.5,
    a?.quantizedMinusCompactPoints == null ? '?' : `${a.quantizedMinusCompactPoints.toFixed(2)} points`,
  );
}

const header = ['figure', 'shape / backend', 'measured', 'ratio', 'target', 'met'];
const cells = rows.map((r) => [r.figure, r.shape, r.detail, r.ratioText, r.target, r.met == null ? '-' : r.met ? 'yes' : 'no']);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
console.log(['', line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n'));
writeFileSync(join(dir, 'summary.json'), `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
console.log(`\nJSON: ${join(dir, 'summary.json')}`);
