import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@tfjs-compress/testing';
import { DEMO_DEFAULTS, demoCommand, runDemo } from '../src/main.js';
import { generateSequenceTask, informativeFeatures } from '../src/sequence-task.js';

describe('sequence task', () => {
  before(() => useBackend('cpu'));

  it('is seeded and puts the label on the informative features only', () => {
    const a = generateSequenceTask({ samples: 64, steps: 12, features: 24, classes: 4, amplitude: 2, pulseLength: 3, seed: 3 });
    const b = generateSequenceTask({ samples: 64, steps: 12, features: 24, classes: 4, amplitude: 2, pulseLength: 3, seed: 3 });
    assert.deepEqual(a.x.dataSync(), b.x.dataSync());
    assert.deepEqual(a.informative, informativeFeatures(24, 4));
    // The per-class mean of each informative feature is highest for its own class.
    const labels = a.y.dataSync();
    const x = a.x.arraySync();
    a.informative.forEach((feature, c) => {
      const mean = (cls: number) => {
        const rows = x.filter((_, n) => labels[n] === cls);
        return rows.reduce((s, seq) => s + seq.reduce((t, step) => t + step[feature], 0), 0) / Math.max(1, rows.length);
      };
      const own = mean(c);
      for (let other = 0; other < 4; other++) if (other !== c) assert.ok(own > mean(other) + 1, `feature ${feature}`);
    });
    tf.dispose([a.x, a.y, b.x, b.y]);
  });
});

describe('demo', () => {
  it('finds the informative inputs, prunes, and saves a compact model that predicts like the VIB model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tfjs-compress-demo-'));
    try {
      const lines: string[] = [];
      const summary = await runDemo(
        { ...DEMO_DEFAULTS, samples: 2048, epochs: 20, warmupEpochs: 4, rampEpochs: 4, fineTuneEpochs: 2, backend: 'wasm', out },
        (line) => lines.push(line),
      );
      assert.match(lines[0], /^backend: wasm/);
      for (const feature of summary.informativeFeatures) assert.ok(summary.keptInputs.includes(feature), `feature ${feature} kept`);
      assert.ok(summary.keptInputs.length <= 12, `noise features pruned: kept ${summary.keptInputs}`);
      assert.ok(summary.keptUnits < summary.units, 'hidden units pruned');
      assert.ok(summary.lstmParamsAfter * 3 < summary.lstmParamsBefore, 'LSTM at least 3x smaller');
      assert.ok(summary.maxPredictionDifference < 1e-5, `compact = VIB model (${summary.maxPredictionDifference})`);
      assert.ok(summary.accuracyAfter > 0.7, `accuracy kept (${summary.accuracyAfter})`);
      for (const file of ['model.json', 'weights.bin', 'compression.json', 'demo-summary.json']) {
        assert.ok(existsSync(join(out, file)), file);
      }
      const saved = JSON.parse(readFileSync(join(out, 'compression.json'), 'utf8'));
      assert.deepEqual(saved.keptInputs, summary.keptInputs);
      assert.ok(lines.some((l) => l.includes('kept input features')));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('gives the same numbers for the same seed (seeded batch order, seeded gates)', async () => {
    const run = async () => {
      const out = mkdtempSync(join(tmpdir(), 'tfjs-compress-demo-'));
      try {
        return await runDemo({ ...DEMO_DEFAULTS, samples: 512, epochs: 4, warmupEpochs: 1, fineTuneEpochs: 1, backend: 'wasm', out }, () => undefined);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(b.history.map((r) => [r.loss, r.klFac, r.keptInputs, r.keptUnits]), a.history.map((r) => [r.loss, r.klFac, r.keptInputs, r.keptUnits]));
    assert.equal(b.accuracyAfter, a.accuracyAfter);
  });

  it('has a --help that lists its options and rejects bad values', () => {
    const command = demoCommand().exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    const help = command.helpInformation();
    for (const option of ['--seed', '--epochs', '--kl-fac', '--backend', '--json']) assert.ok(help.includes(option), option);
    assert.throws(() => demoCommand().exitOverride().configureOutput({ writeErr: () => undefined }).parse(['node', 'demo', '--epochs', '0']), /--epochs/);
  });
});
