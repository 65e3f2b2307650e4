import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { insertBottlenecks } from '@tfjs-compress/prune';
import { TEST_BACKENDS, useBackend, tempDir } from '@tfjs-compress/testing';
import { LeanAdam, VIBTrainer } from '@tfjs-compress/vib';
import {
  CHECKPOINT_DIR,
  METRICS_FILE,
  evaluate,
  findRecurrentLayer,
  fixedRamp,
  loadCheckpoint,
  measureLatency,
  readMetrics,
  restoreOptimizer,
  runTraining,
  saveCheckpoint,
  setDropoutSeeds,
  type EpochRecord,
  type TrainingSessionOptions,
} from '../src/index.js';
import { arraySource, pulseTask, runUntilKilled, smallPlainModel, smallVibModel, type PulseTask, pulseSession } from './helpers.js';

const temp = () => tempDir('app-kit-train-');
const quiet = () => undefined;
const weightsOf = (model: tfl.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

function maxDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

for (const backend of TEST_BACKENDS) {
  describe(backend, () => {
    let task: PulseTask;
    let testTask: PulseTask;
    before(async () => {
      await useBackend(backend);
      task = pulseTask(96, 5, 12, 3, 1);
      testTask = pulseTask(48, 5, 12, 3, 77);
    });

    const base = (outDir: string, epochs: TrainingSessionOptions['epochs']): TrainingSessionOptions =>
      pulseSession(task, testTask, {
        outDir,
        epochs,
        buildModel: () => smallVibModel(task, 8, 5),
        schedule: fixedRamp(3e-3, 1, 1),
      });

    it('checkpoints restore the optimizer moments under new variable names', async () => {
      const dir = join(temp(), 'ckpt');
      const model = smallVibModel(task, 8, 3);
      const made: LeanAdam[] = [];
      const trainer = new VIBTrainer(model, { lr: 1e-2, ibLr: 5e-2, optimizer: (r) => (made.push(new LeanAdam(r)), made.at(-1)!) });
      const source = arraySource(task, 32, false);
      const batches: { xs: tf.Tensor; ys: tf.Tensor }[] = [];
      for await (const b of source.batches(1)) batches.push(b);
      trainer.trainOnBatch(batches[0].xs, batches[0].ys);
      await saveCheckpoint(dir, model, { gate: made[0], rest: made[1] }, { step: 1 });

      const loaded = await loadCheckpoint<{ step: number }>(dir);
      assert.deepEqual(loaded.state, { step: 1 });
      assert.notDeepEqual(loaded.model.weights.map((w) => w.read().id), model.weights.map((w) => w.read().id));
      assert.ok(maxDiff(weightsOf(model), weightsOf(loaded.model)) === 0);
      const again: LeanAdam[] = [];
      const resumed = new VIBTrainer(loaded.model, { lr: 1e-2, ibLr: 5e-2, optimizer: (r) => (again.push(new LeanAdam(r)), again.at(-1)!) });
      await restoreOptimizer(again[0], loaded.model, loaded.optimizers.gate);
      await restoreOptimizer(again[1], loaded.model, loaded.optimizers.rest);
      // The same next step on both: identical only if moments and step count came back.
      for (const m of [model, loaded.model]) for (const layer of m.layers) (layer as unknown as { resetNoise?: () => void }).resetNoise?.();
      setDropoutSeeds(model, 9);
      setDropoutSeeds(loaded.model, 9);
      const a = trainer.trainOnBatch(batches[1].xs, batches[1].ys);
      const b = resumed.trainOnBatch(batches[1].xs, batches[1].ys);
      assert.ok(Math.abs(a - b) < 1e-5, `loss ${a} vs ${b}`);
      assert.ok(maxDiff(weightsOf(model), weightsOf(loaded.model)) < 1e-5);
      trainer.dispose();
      resumed.dispose();
      tf.dispose(batches.flatMap((x) => [x.xs, x.ys]));
      model.dispose();
      loaded.model.dispose();
    });

    it('a resumed run ends exactly where an uninterrupted one does (vib + fine-tune)', async () => {
      const full = await runTraining(base(temp(), { vib: 3, 'fine-tune': 1 }));
      const out = temp();
      // Killed after the warm-up epoch, whose checkpoint was saved with frozen gates.
      await runUntilKilled(base(out, { vib: 3, 'fine-tune': 1 }), 1);
      const resumed = await runTraining({ ...base(out, { vib: 3, 'fine-tune': 1 }), resume: true });
      assert.equal(resumed.resumedFrom, 1);
      assert.deepEqual(resumed.history.map((r) => [r.phase, r.epoch, r.phaseEpoch]), [['vib', 1, 1], ['vib', 2, 2], ['vib', 3, 3], ['fine-tune', 4, 1]]);
      for (let i = 0; i < 4; i++) assert.ok(Math.abs(full.history[i].loss - resumed.history[i].loss) < 1e-4, `epoch ${i + 1} loss`);
      assert.ok(maxDiff(weightsOf(full.model), weightsOf(resumed.model)) < 1e-4);
      const lines = readMetrics<EpochRecord>(join(out, METRICS_FILE));
      assert.deepEqual(lines.map((l) => l.epoch), [1, 2, 3, 4]);
      const state = JSON.parse(readFileSync(join(out, CHECKPOINT_DIR, 'state.json'), 'utf8')) as { state: { completedEpochs: number } };
      assert.equal(state.state.completedEpochs, 4);
      full.model.dispose();
      resumed.model.dispose();
    });

    it('the same seed gives the same run; the pre-trained route converts after the plain epochs', async () => {
      const options = (out: string): TrainingSessionOptions => ({
        ...base(out, { plain: 2, vib: 1 }),
        buildModel: () => smallPlainModel(task, 8, 4),
        toVib: (plain) => insertBottlenecks(plain, { gates: { seed: 4, klFac: 0 } }),
      });
      const a = await runTraining(options(temp()));
      const out = temp();
      const b1 = await runTraining(options(out));
      b1.model.dispose();
      assert.deepEqual(a.history.map((r) => r.phase), ['plain', 'plain', 'vib']);
      assert.equal(a.history[0].keptUnits, null);
      assert.equal(a.history[2].keptUnits, 8);
      assert.ok(findRecurrentLayer(a.model) != null);
      const b = await runTraining({ ...options(out), resume: true });
      assert.equal(b.resumedFrom, 3);
      assert.deepEqual(b.history.map((r) => r.loss), a.history.map((r) => r.loss));
      a.model.dispose();
      b.model.dispose();
    });

    it('learns the pulse task, keeps only the informative inputs and leaks no tensors', async () => {
      const big = pulseTask(256, 6, 16, 4, 1);
      const test = pulseTask(128, 6, 16, 4, 99);
      const tensors = tf.memory().numTensors;
      const result = await runTraining({
        outDir: temp(),
        epochs: { vib: 14, 'fine-tune': 2 },
        buildModel: () => smallVibModel(big, 16, 1),
        train: arraySource(big, 32, true),
        test: arraySource(test, 64, false),
        seed: 1,
        lr: 1e-2,
        ibLr: 5e-2,
        schedule: fixedRamp(3e-3, 3, 3),
        progress: false,
        log: quiet,
      });
      const last = result.history.at(-1)!;
      assert.ok(last.testAccuracy! > 0.9, `test accuracy ${last.testAccuracy}`);
      const kept = findRecurrentLayer(result.model)!.prunableUnits().inputs.kept;
      // A fixed ramp ends wherever the gate noise leaves it: at most one of the 12 noise inputs may survive.
      const noise = kept.filter((j) => ![0, 2, 4, 6].includes(j));
      assert.ok(kept.length >= 1 && noise.length <= 1, `kept inputs ${kept}`);
      assert.ok(last.keptUnits! < 16);
      const evaluation = await evaluate(result.model, arraySource(test, 50, false), { classes: 4 });
      assert.equal(evaluation.count, 128);
      assert.ok(Math.abs(evaluation.accuracy - last.testAccuracy!) < 1e-9);
      assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), 128);
      const clip = tf.zeros([1, 6, 16]);
      const latency = measureLatency(result.model, clip, { runs: 3, warmup: 1 });
      assert.ok(latency.medianMs > 0 && latency.runs === 3);
      clip.dispose();
      result.model.dispose();
      assert.equal(tf.memory().numTensors, tensors);
    });
  });
}

describe('setDropoutSeeds', () => {
  it('gives fresh, reproducible dropout masks per step', async () => {
    await useBackend('cpu');
    const model = tfl.sequential({ layers: [tfl.layers.dropout({ rate: 0.5, inputShape: [64] })] });
    const run = (seed: number) => {
      setDropoutSeeds(model, seed);
      return tf.tidy(() => Array.from((model.apply(tf.ones([1, 64]), { training: true }) as tf.Tensor).dataSync()));
    };
    assert.deepEqual(run(1), run(1));
    assert.notDeepEqual(run(1), run(2));
  });
});
