import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { compact } from '@tfjs-compress/prune';
import { expandLayersInPlace, restoreSnapshot, sliceSnapshot } from '@tfjs-compress/train';
import { TEST_BACKENDS, assertClose, useBackend, tempDir } from '@tfjs-compress/testing';
import { type VIBGate } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import {
  findRecurrentLayer,
  freezeMasks,
  initialShrinkState,
  fixedRamp,
  midEpochCheckAfter,
  runTraining,
  shrinkCheck,
  type TrainingSessionOptions,
} from '../src/index.js';
import { arraySource, pulseTask, runUntilKilled, smallVibModel, type PulseTask, pulseSession } from './helpers.js';

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

  it('removes in place what stayed pruned for `patience` checks; indices stay model-facing; never mutates its state', () => {
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
    assert.equal(second.result.inputs, 2);
    assert.deepEqual(layer.liveIndices.inputs, [0, 2, 3, 4, 6, 7]);
    assert.deepEqual(model.inputs[0].shape, [null, 3, 8], 'the same model, reading the same input');
    assert.equal(second.state.removedInputs, 2);
    assert.equal(second.state.shrinks, 1);
    assert.deepEqual(second.state.streaks[name].inputs, { 1: 2, 5: 2, 6: 1 });
    const third = shrinkCheck(model, second.state, { patience: 2 });
    assert.equal(third.result?.inputs, 1);
    assert.deepEqual(layer.liveIndices.inputs, [0, 2, 3, 4, 7]);
    assert.throws(() => shrinkCheck(model, start, { patience: 0 }), InvalidArgumentError);
    model.dispose();
  });

  it('keeps what a held weight copy still uses; the sliced copy restores exactly', () => {
    const task = pulseTask(8, 3, 8, 2, 1);
    const model = smallVibModel(task, 4, 2);
    const full = smallVibModel(task, 4, 2);
    const gate = findRecurrentLayer(model)!.cell.inputGate!;
    setPruned(gate, [1, 5]);
    // A state the schedule may roll back to: only input 1 pruned there.
    const held = model.weights.map((variable) => ({ variable, value: tf.clone(variable.read()) }));
    const heldGate = held.find((e) => e.variable === gate.logD)!;
    heldGate.value.dispose();
    heldGate.value = tf.tensor1d([-9, 5, -9, -9, -9, -9, -9, -9]);
    // The full-size model in the held state: the reference.
    full.setWeights(held.map((e) => e.value));
    const check = shrinkCheck(model, initialShrinkState(), { patience: 1 }, [held]);
    assert.deepEqual(findRecurrentLayer(model)!.liveIndices.inputs, [0, 2, 3, 4, 5, 6, 7], 'input 5 stays: the held state uses it');
    const carried = sliceSnapshot(check.result!.slices)(held);
    restoreSnapshot(carried);
    const x = tf.randomNormal([3, 3, 8], 0, 1, 'float32', 4);
    assertClose(model.predict(x) as tf.Tensor, full.predict(x) as tf.Tensor, 1e-5, 'shrunk + sliced copy vs full + held');
    tf.dispose([x, ...held.map((e) => e.value), ...carried.map((e) => e.value)]);
    model.dispose();
    full.dispose();
  });

  it('midEpochCheckAfter: checks - 1 evenly spaced batches, none at the end of the epoch', () => {
    const after = (per: number, checks: number) => Array.from({ length: per + 2 }, (_, b) => b).filter((b) => midEpochCheckAfter(b, per, checks));
    assert.deepEqual(after(18, 3), [6, 12]);
    assert.deepEqual(after(18, 1), []);
    assert.deepEqual(after(4, 2), [2]);
    assert.deepEqual(after(2, 5), [1], 'more checks than batches: one per batch at most, none after the last');
    const model = smallVibModel(pulseTask(8, 3, 8, 2, 1), 4, 2);
    assert.throws(() => shrinkCheck(model, initialShrinkState(), { checksPerEpoch: 0 }), /checksPerEpoch/);
    model.dispose();
  });

  it("mode 'mask' silences the same features at full size, keeps them silenced, and counts each once", () => {
    const task = pulseTask(8, 3, 8, 2, 1);
    const model = smallVibModel(task, 4, 2);
    const layer = findRecurrentLayer(model)!;
    const gate = layer.cell.inputGate!;
    setPruned(gate, [1, 5]);
    const settings = { patience: 2, mode: 'mask' as const };
    const first = shrinkCheck(model, initialShrinkState(), settings);
    assert.equal(first.silenced, null);
    setPruned(gate, [1, 5, 6]);
    const second = shrinkCheck(model, first.state, settings);
    assert.equal(second.result, null, 'no new model');
    assert.deepEqual(second.silenced, { inputs: 2, units: 0 });
    assert.deepEqual(second.state.silenced, { [layer.name]: { inputs: [1, 5] } });
    assert.deepEqual(gate.silencedUnits(), [1, 5]);
    assert.equal(second.state.removedInputs, 2);
    // Input 1's log alpha comes back below the threshold: it stays silenced, and is not counted again.
    setPruned(gate, [5, 6]);
    const third = shrinkCheck(model, second.state, settings);
    assert.deepEqual(third.silenced, { inputs: 1, units: 0 });
    assert.deepEqual(third.state.silenced, { [layer.name]: { inputs: [1, 5, 6] } });
    assert.equal(third.state.removedInputs, 3);
    assert.equal(third.state.shrinks, 2);
    assert.deepEqual(layer.prunableUnits().inputs.removed, [1, 5, 6]);
    assert.throws(() => shrinkCheck(model, third.state, { mode: 'cut' as 'mask' }), /shrink\.mode/);
    model.dispose();
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
        schedule: fixedRamp(3e-3, 0, 1),
        shrink: { patience: 1 },
      });

    it('shrinks the live model and its checkpoints; a resumed run ends where an uninterrupted one does', async () => {
      const full = await runTraining(base(temp(), { vib: 3, 'fine-tune': 1 }));
      assert.ok(full.history[0].modelInputs! < 12, `inputs after epoch 1: ${full.history[0].modelInputs}`);
      assert.ok(findRecurrentLayer(full.model)!.liveIndices.inputs != null, 'shrunk in place');
      assert.deepEqual(full.model.inputs[0].shape, [null, 5, 12]);
      const out = temp();
      // Killed after epoch 2: its checkpoint holds the shrunk model.
      await runUntilKilled(base(out, { vib: 3, 'fine-tune': 1 }), 2);
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
      const before = full.model.predict(x) as tf.Tensor;
      assertClose(result.model.predict(xs) as tf.Tensor, before, 1e-5, 'compact vs shrunk');
      // Spread back to its original sizes (as train saves it), it predicts the same and compacts to the same model.
      expandLayersInPlace(full.model);
      const template = prunedStart(task, 8, 5);
      // Sorted: frozen gate weights move behind the trainable ones in `weights`.
      const shapes = (m: tfl.LayersModel) => m.weights.map((w) => JSON.stringify(w.shape)).sort();
      assert.deepEqual(shapes(full.model), shapes(template));
      template.dispose();
      assertClose(full.model.predict(x) as tf.Tensor, before, 1e-5, 'expanded vs shrunk');
      const again = compact(full.model);
      assert.deepEqual(again.keptInputs, result.keptInputs);
      assertClose(again.model.predict(xs) as tf.Tensor, result.model.predict(xs) as tf.Tensor, 1e-5, 'compact of expanded');
      tf.dispose([x, xs, before]);
      for (const m of [full.model, resumed.model, result.model, again.model]) m.dispose();
    });

    it("mode 'mask': full-size model with the same features silenced; a resumed run silences them again and ends where an uninterrupted one does", async () => {
      const masked = (outDir: string, epochs: TrainingSessionOptions['epochs']) => ({ ...base(outDir, epochs), shrink: { patience: 1, mode: 'mask' as const } });
      const removed = await runTraining(base(temp(), { vib: 3, 'fine-tune': 1 }));
      const full = await runTraining(masked(temp(), { vib: 3, 'fine-tune': 1 }));
      full.history.forEach((r, i) => {
        assert.equal(r.modelInputs, 12, `epoch ${i + 1}: full size`);
        // The same training as mode 'remove' (same noise for the kept units), up to float rounding.
        assert.equal(r.keptInputs, removed.history[i].keptInputs, `epoch ${i + 1}: kept inputs`);
        assert.ok(Math.abs(r.loss - removed.history[i].loss) < 1e-4, `epoch ${i + 1}: loss ${r.loss} (mask) vs ${removed.history[i].loss} (remove)`);
      });
      assert.ok(full.history[0].keptInputs! < 12);
      const out = temp();
      await runUntilKilled(masked(out, { vib: 3, 'fine-tune': 1 }), 2);
      const resumed = await runTraining({ ...masked(out, { vib: 3, 'fine-tune': 1 }), resume: true });
      assert.equal(resumed.resumedFrom, 2);
      for (let i = 0; i < 4; i++) assert.ok(Math.abs(full.history[i].loss - resumed.history[i].loss) < 1e-4, `epoch ${i + 1} loss`);
      const wa = weightsOf(full.model);
      const wb = weightsOf(resumed.model);
      wa.forEach((w, i) => assertClose(w, wb[i], 1e-4, `weight ${i}`));
      for (const m of [removed.model, full.model, resumed.model]) m.dispose();
    });

    it('checksPerEpoch: removes pruned inputs between batches; a resumed run ends where an uninterrupted one does', async () => {
      const checked = (outDir: string, epochs: TrainingSessionOptions['epochs'], checksPerEpoch: number) => ({
        ...base(outDir, epochs),
        shrink: { patience: 2, checksPerEpoch },
      });
      const once = await runTraining(checked(temp(), { vib: 1 }, 1));
      assert.equal(once.history[0].modelInputs, 12, 'one check per epoch, patience 2: nothing removed after epoch 1');
      const full = await runTraining(checked(temp(), { vib: 3 }, 3));
      assert.ok(full.history[0].modelInputs! < 12, `three checks, patience 2: removed within epoch 1 (${full.history[0].modelInputs} inputs)`);
      const out = temp();
      await runUntilKilled(checked(out, { vib: 3 }, 3), 2);
      const resumed = await runTraining({ ...checked(out, { vib: 3 }, 3), resume: true });
      for (let i = 0; i < 3; i++) {
        assert.ok(Math.abs(full.history[i].loss - resumed.history[i].loss) < 1e-4, `epoch ${i + 1} loss`);
        assert.equal(full.history[i].modelInputs, resumed.history[i].modelInputs);
      }
      const wa = weightsOf(full.model);
      const wb = weightsOf(resumed.model);
      wa.forEach((w, i) => assertClose(w, wb[i], 1e-4, `weight ${i}`));
      for (const m of [once.model, full.model, resumed.model]) m.dispose();
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
        schedule: fixedRamp(3e-3, 3, 3),
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
        schedule: fixedRamp(1e-3, 0, 1),
        shrink: { patience: 1.5 },
        log: quiet,
      }),
      InvalidArgumentError,
    );
  });
});
