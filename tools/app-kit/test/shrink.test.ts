import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FeatureSelect, compact, expandVIB } from '@tfjs-compress/prune';
import { TEST_BACKENDS, assertClose, useBackend, tempDir } from '@tfjs-compress/testing';
import { InvalidArgumentError, type VIBGate } from '@tfjs-compress/vib';
import {
  findRecurrentLayer,
  freezeMasks,
  initialShrinkState,
  klWarmup,
  runTraining,
  shrinkCheck,
  type TrainingSessionOptions,
} from '../src/index.js';
import { arraySource, pulseTask, smallVibModel, type PulseTask, pulseSession } from './helpers.js';

const temp = () => tempDir('app-kit-shrink-');
const quiet = () => undefined;
const weightsOf = (model: tfl.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

/** mu = 1 everywhere, logD = +5 (log alpha 5: pruned) on `pruned`, -9 (kept) elsewhere. */
function setPruned(gate: VIBGate, pruned: number[]): void {
  const logD = new Float32Array(gate.size).fill(-9);
  for (const k of pruned) logD[k] = 5;
  tf.tidy(() => {
    gate.mu.write(tf.ones([gate.size]));
    gate.logD.write(tf.tensor1d(logD));
  });
}

/** The pulse task's model with the noise inputs (odd features, and those past 2 * classes) starting pruned. */
function prunedStart(task: PulseTask, units: number, seed: number): tfl.LayersModel {
  const model = smallVibModel(task, units, seed);
  const noise = Array.from({ length: task.features }, (_, j) => j).filter((j) => j % 2 === 1 || j >= 2 * task.classes);
  setPruned(findRecurrentLayer(model)!.cell.inputGate!, noise);
  return model;
}

describe('shrinkCheck', () => {
  before(() => useBackend('cpu'));

  it('removes what stayed pruned for `patience` checks, renumbers the rest, never mutates its state', () => {
    const task = pulseTask(8, 3, 8, 2, 1);
    const model = smallVibModel(task, 4, 2);
    const layer = findRecurrentLayer(model)!;
    setPruned(layer.cell.inputGate!, [1, 5]);
    const start = initialShrinkState();
    const first = shrinkCheck(model, start, { patience: 2 });
    assert.equal(first.result, null);
    assert.deepEqual(start, initialShrinkState());
    const name = layer.name;
    assert.deepEqual(first.state.streaks[name].inputs, { 1: 1, 5: 1 });
    // Input 6 starts pruned now: one check behind 1 and 5.
    setPruned(layer.cell.inputGate!, [1, 5, 6]);
    const second = shrinkCheck(model, first.state, { patience: 2 });
    assert.ok(second.result);
    assert.deepEqual(second.result.keptInputs, [0, 2, 3, 4, 6, 7]);
    assert.equal(second.state.removedInputs, 2);
    assert.equal(second.state.shrinks, 1);
    // Old input 6 is position 4 of the shrunk layer.
    assert.deepEqual(second.state.streaks[name].inputs, { 4: 1 });
    const third = shrinkCheck(second.result.model, second.state, { patience: 2 });
    assert.deepEqual(third.result?.keptInputs, [0, 2, 3, 4, 7]);
    assert.throws(() => shrinkCheck(model, start, { patience: 0 }), InvalidArgumentError);
    for (const m of [model, second.result.model, third.result!.model]) m.dispose();
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`runTraining with shrink (${backend})`, () => {
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
        buildModel: () => prunedStart(task, 8, 5),
        klFacAt: klWarmup(3e-3, 0, 1),
        shrink: { patience: 1 },
      });

    it('shrinks the live model and its checkpoints; a resumed run ends where an uninterrupted one does', async () => {
      const full = await runTraining(base(temp(), { vib: 3, 'fine-tune': 1 }));
      assert.ok(full.history[0].modelInputs! < 12, `inputs after epoch 1: ${full.history[0].modelInputs}`);
      assert.ok(full.model.layers.some((l) => l instanceof FeatureSelect));
      assert.deepEqual(full.model.inputs[0].shape, [null, 5, 12]);
      const out = temp();
      // Killed after epoch 2: its checkpoint holds the shrunk model.
      const first = await runTraining(base(out, { vib: 2 }));
      first.model.dispose();
      const resumed = await runTraining({ ...base(out, { vib: 3, 'fine-tune': 1 }), resume: true });
      assert.equal(resumed.resumedFrom, 2);
      for (let i = 0; i < 4; i++) {
        assert.ok(Math.abs(full.history[i].loss - resumed.history[i].loss) < 1e-4, `epoch ${i + 1} loss`);
        assert.equal(full.history[i].modelInputs, resumed.history[i].modelInputs);
        assert.equal(full.history[i].modelUnits, resumed.history[i].modelUnits);
      }
      assert.ok(Math.abs(weightsOf(full.model).flat().reduce((a, b) => a + b, 0) - weightsOf(resumed.model).flat().reduce((a, b) => a + b, 0)) < 1e-3);
      const wa = weightsOf(full.model);
      const wb = weightsOf(resumed.model);
      assert.equal(wa.length, wb.length);
      wa.forEach((w, i) => assertClose(w, wb[i], 1e-4, `weight ${i}`));
      // The trained shrunk model compacts like any VIB model.
      freezeMasks(full.model);
      const result = compact(full.model);
      const x = tf.tidy(() => tf.randomNormal([4, 5, 12], 0, 1, 'float32', 3));
      const xs = tf.gather(x, tf.tensor1d(result.keptInputs, 'int32'), 2);
      assertClose(result.model.predict(xs) as tf.Tensor, full.model.predict(x) as tf.Tensor, 1e-5, 'compact vs shrunk');
      // Expanded back to its original sizes, it predicts the same and compacts to the same model.
      assert.ok(full.shrinkOrigin != null);
      assert.deepEqual(Object.values(full.shrinkOrigin.layers), Object.values(resumed.shrinkOrigin!.layers), "layer names differ: unnamed layers");
      const expanded = expandVIB(full.model, full.shrinkOrigin);
      const template = prunedStart(task, 8, 5);
      // Sorted: frozen gate weights move behind the trainable ones in `weights`.
      const shapes = (m: tfl.LayersModel) => m.weights.map((w) => JSON.stringify(w.shape)).sort();
      assert.deepEqual(shapes(expanded), shapes(template));
      template.dispose();
      assertClose(expanded.predict(x) as tf.Tensor, full.model.predict(x) as tf.Tensor, 1e-5, 'expanded vs shrunk');
      const again = compact(expanded);
      assert.deepEqual(again.keptInputs, result.keptInputs);
      assertClose(again.model.predict(xs) as tf.Tensor, result.model.predict(xs) as tf.Tensor, 1e-5, 'compact of expanded');
      tf.dispose([x, xs]);
      for (const m of [full.model, resumed.model, result.model, expanded, again.model]) m.dispose();
    });

    it('reaches the accuracy of masks-only training on the pulse task, with a smaller model and no leaked tensors', async () => {
      const big = pulseTask(256, 6, 16, 4, 1);
      const test = pulseTask(128, 6, 16, 4, 99);
      const tensors = tf.memory().numTensors;
      const options = (shrink: TrainingSessionOptions['shrink']): TrainingSessionOptions => ({
        outDir: temp(),
        epochs: { vib: 12, 'fine-tune': 2 },
        buildModel: () => smallVibModel(big, 16, 1),
        train: arraySource(big, 32, true),
        test: arraySource(test, 64, false),
        seed: 1,
        lr: 1e-2,
        ibLr: 5e-2,
        klFacAt: klWarmup(3e-3, 3, 3),
        shrink,
        progress: false,
        log: quiet,
      });
      const masked = await runTraining(options(false));
      const shrunk = await runTraining(options({ patience: 2 }));
      const a = masked.history.at(-1)!;
      const b = shrunk.history.at(-1)!;
      assert.ok(a.testAccuracy! > 0.9 && b.testAccuracy! > 0.9, `test accuracy ${a.testAccuracy} (masks) vs ${b.testAccuracy} (shrink)`);
      assert.ok(Math.abs(a.testAccuracy! - b.testAccuracy!) <= 0.05, `test accuracy ${a.testAccuracy} (masks) vs ${b.testAccuracy} (shrink)`);
      assert.equal(a.modelInputs, 16);
      assert.ok(b.modelInputs! < 16 && b.modelUnits! <= 16, `shrunk to ${b.modelInputs} x ${b.modelUnits}`);
      assert.ok(b.modelInputs! >= b.keptInputs!);
      masked.model.dispose();
      shrunk.model.dispose();
      assert.equal(tf.memory().numTensors, tensors);
    });
  });
}

describe('runTraining shrink option', () => {
  it('rejects a bad patience before training', async () => {
    await assert.rejects(
      runTraining({
        outDir: temp(),
        epochs: { vib: 1 },
        buildModel: () => {
          throw new Error('not reached');
        },
        train: { batchesPerEpoch: 0, async *batches() {} },
        seed: 1,
        lr: 1e-2,
        ibLr: 5e-2,
        shrink: { patience: 1.5 },
        log: quiet,
      }),
      InvalidArgumentError,
    );
  });
});
