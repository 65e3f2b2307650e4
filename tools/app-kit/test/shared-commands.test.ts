import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '@tfjs-compress/testing';
import { Command } from 'commander';
import {
  addCommonTrainFlags,
  numberListOption,
  referenceAccuracies,
  runPaths,
  runSweep,
  sweepRunDir,
  toCommonTrainOptions,
  writeJsonAtomic,
  type CommonTrainOptions,
  type CompressResults,
  type EpochRecord,
} from '../src/index.js';

const DEFAULTS: CommonTrainOptions = {
  data: 'd', layout: 'auto', split: 'random', testFraction: 0.2, out: 'o', frames: 8, units: 16, batchSize: 4, epochs: 3, warmupEpochs: 1,
  rampEpochs: 1, fineTuneEpochs: 1, pretrainEpochs: 0, lr: 1e-3, ibLr: 5e-2, klFac: 1e-3, klMult: 2, weightDecay: 0, dropout: 0, seed: 1, backend: 'auto', resume: false,
};
const CHOICES = { layouts: ['auto', 'ucf11'], splits: ['random', 'group'], backends: ['auto', 'wasm', 'cpu'] };

function parse(args: string[]) {
  let seen: Record<string, unknown> = {};
  const root = new Command().exitOverride();
  addCommonTrainFlags(root.command('train'), DEFAULTS, CHOICES).exitOverride().configureOutput({ writeErr: () => undefined }).action((raw: Record<string, unknown>) => {
    seen = raw;
  });
  root.parse(['node', 'cli', 'train', ...args]);
  return toCommonTrainOptions(seen as never, DEFAULTS) as unknown as CommonTrainOptions;
}

describe('shared training flags', () => {
  it('parse into the options, with the defaults for the rest', () => {
    const o = parse(['--units', '32', '--batch', '8', '--kl-fac', '0.01', '--backend', 'wasm', '--no-progress']);
    assert.equal(o.units, 32);
    assert.equal(o.batchSize, 8);
    assert.equal(o.klFac, 0.01);
    assert.equal(o.backend, 'wasm');
    assert.equal(o.progress, false);
    assert.equal(o.frames, 8);
    assert.equal(o.pretrainEpochs, 0);
  });

  it('the KL policy: the accuracy budget by default; a target alone picks the target policy', () => {
    const d = parse([]);
    assert.equal(d.policy, 'budget');
    assert.equal(d.maxAccuracyDrop, 0.01);
    assert.equal(d.validationFraction, 0.15);
    assert.equal(parse(['--max-accuracy-drop', '0.02']).maxAccuracyDrop, 0.02);
    const t = parse(['--target-compression', '20']);
    assert.deepEqual([t.policy, t.targetCompression], ['target', 20]);
    assert.equal(parse(['--policy', 'fixed']).policy, 'fixed');
    assert.throws(() => parse(['--policy', 'greedy']), /--policy must be one of budget, target, fixed, got 'greedy'/);
    assert.throws(() => parse(['--max-accuracy-drop', '1.5']), /--max-accuracy-drop must be a number between 0 and 1, got '1.5'/);
  });

  it('--pretrained alone means at least one plain epoch; --pretrain-epochs sets them', () => {
    assert.equal(parse(['--pretrained']).pretrainEpochs, 5);
    assert.equal(parse(['--pretrain-epochs', '3']).pretrainEpochs, 3);
  });

  it('reject bad values naming the flag', () => {
    assert.throws(() => parse(['--units', '0']), /--units must be an integer >= 1, got '0'/);
    assert.throws(() => parse(['--backend', 'gpu']), /--backend must be one of auto, wasm, cpu, got 'gpu'/);
    assert.throws(() => numberListOption('--kl-facs')('1e-3,,2'), /--kl-facs must be a comma-separated list of positive numbers/);
    assert.deepEqual(numberListOption('--kl-facs')('1e-3, 0.1'), [1e-3, 0.1]);
  });
});

describe('referenceAccuracies', () => {
  const record = (phase: EpochRecord['phase'], klFac: number | null, testAccuracy: number): EpochRecord => ({
    phase, epoch: 0, phaseEpoch: 0, klFac, loss: 0, trainAccuracy: 0, testAccuracy, testLoss: 0, keptInputs: null, keptUnits: null, batches: 1, seconds: 0,
  });
  it('the uncompressed model is the plain phase or the KL warm-up; the VIB figure is its last epoch', () => {
    const r = referenceAccuracies([record('vib', 0, 0.5), record('vib', 0, 0.7), record('vib', 0, 0.6), record('vib', 1e-3, 0.4), record('fine-tune', null, 0.45)]);
    assert.deepEqual(r, { vibPhaseTestAccuracy: 0.4, uncompressedTestAccuracy: 0.6, uncompressedBestTestAccuracy: 0.7, baselineTestAccuracy: null, baselineValidationAccuracy: null });
  });

  it('under a schedule: uncompressed until the first gate closes; the baseline is the epoch with the best validation accuracy', () => {
    const staged = (stage: EpochRecord['stage'], kept: number, validationAccuracy: number, testAccuracy: number): EpochRecord => ({
      ...record(stage === 'fine-tune' ? 'fine-tune' : 'vib', stage === 'vib' ? 1e-3 : 0, testAccuracy), stage, keptInputs: kept, keptUnits: 8, validationAccuracy,
    });
    const r = referenceAccuracies([
      staged('warmup', 12, 0.6, 0.55),
      staged('vib', 12, 0.8, 0.75), // nothing pruned yet: still the uncompressed model
      staged('vib', 12, 0.8, 0.78), // a tie goes to the later epoch
      staged('vib', 6, 0.9, 0.85), // pruned: not a baseline, however good
      staged('fine-tune', 6, 0.88, 0.84),
    ]);
    assert.equal(r.baselineTestAccuracy, 0.78);
    assert.equal(r.baselineValidationAccuracy, 0.8);
    assert.equal(r.uncompressedBestTestAccuracy, 0.78);
    assert.equal(r.vibPhaseTestAccuracy, 0.85);
  });
});

describe('runSweep', () => {
  it('runs each value once, writes JSON, SVG and HTML, and reuses finished runs', async () => {
    const out = tempDir('sweep-');
    const trained: number[] = [];
    const fake = async (value: number, dir: string): Promise<CompressResults> => {
      trained.push(value);
      const results = {
        after: { accuracy: 0.9 - value, lstmParams: 10 }, lstmRatio: 10 + 1000 * value, keptInputs: 3, keptUnits: 2, uncompressedBestTestAccuracy: 0.95,
      } as unknown as CompressResults;
      await writeJsonAtomic(runPaths(dir).results, results);
      return results;
    };
    const first = (await runSweep({ out, values: [0.01, 0.1], trainAndCompress: fake, title: 'test', log: () => undefined }))!;
    assert.deepEqual(trained, [0.01, 0.1]);
    assert.deepEqual(first.result.points.map((p) => [p.value, p.compression]), [[0.01, 20], [0.1, 110]]);
    for (const file of Object.values(first.files)) assert.ok(existsSync(file), file);
    const json = JSON.parse(readFileSync(first.files.json, 'utf8')) as { baselineAccuracy: number; points: unknown[] };
    assert.equal(json.baselineAccuracy, 0.95);
    assert.equal(json.points.length, 2);
    assert.match(readFileSync(first.files.svg, 'utf8'), /<svg[^>]*>[\s\S]*klFac 0.1/);
    assert.equal(sweepRunDir(out, 0.1), join(out, 'klfac-0.1'));
    const lines: string[] = [];
    await runSweep({ out, values: [0.01, 0.1, 0.3], trainAndCompress: fake, title: 'test', log: (l) => lines.push(l) });
    assert.deepEqual(trained, [0.01, 0.1, 0.3], 'only the new value trained');
    assert.equal(lines.filter((l) => l.includes('reused')).length, 2);
  });

  it('shards the values over processes (3 shards of 6 values) and merges them into the same chart', async () => {
    const values = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06];
    const fake = (trained: number[]) => async (value: number, dir: string): Promise<CompressResults> => {
      trained.push(value);
      const results = { after: { accuracy: 0.9 - value, lstmParams: 10 }, lstmRatio: 10 + 1000 * value, keptInputs: 3, keptUnits: 2, uncompressedBestTestAccuracy: 0.95 } as unknown as CompressResults;
      await writeJsonAtomic(runPaths(dir).results, results);
      return results;
    };
    const whole = tempDir('sweep-whole-');
    const reference = (await runSweep({ out: whole, values, trainAndCompress: fake([]), title: 'test', log: () => undefined }))!;
    const out = tempDir('sweep-shards-');
    const perShard: number[][] = [[], [], []];
    const lines: string[] = [];
    // Shards 0 and 2 run at once; the chart waits for shard 1.
    const early = await Promise.all([0, 2].map((index) => runSweep({ out, values, trainAndCompress: fake(perShard[index]), title: 'test', shard: { index, count: 3 }, log: (l) => lines.push(l) })));
    assert.deepEqual(early, [null, null]);
    assert.deepEqual(perShard, [[0.01, 0.04], [], [0.03, 0.06]]);
    await assert.rejects(runSweep({ out, values, trainAndCompress: fake([]), title: 'test', merge: true }), /4 of 6 values done; klFac 0\.02, 0\.05 still missing/);
    assert.equal(await runSweep({ out, values, trainAndCompress: fake(perShard[1]), title: 'test', shard: { index: 1, count: 3 }, log: () => undefined }).then((r) => r != null), true, 'the last shard writes the chart');
    const merged = (await runSweep({ out, values, trainAndCompress: fake([]), title: 'test', merge: true, log: () => undefined }))!;
    assert.deepEqual(perShard[1], [0.02, 0.05]);
    assert.deepEqual(readFileSync(merged.files.json, 'utf8'), readFileSync(reference.files.json, 'utf8').replaceAll(whole, out));
  });
});
