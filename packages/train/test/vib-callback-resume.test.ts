import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBOptimizer, vibCallback, vibOptimizer, type VIBCallbackOptions, type VIBCallbackState } from '../src/index.js';
import { gatedLstm, summedTask } from './helpers.js';

const EPOCHS = 10;
const FIT = { batchSize: 32, shuffle: false, verbose: 0 as const };

/** What an interrupted fit leaves behind: the model (with its optimizer) as saved, and the callback's state. */
interface Interrupted {
  artifacts: tf.io.ModelArtifacts;
  schedule: VIBCallbackState;
}

/** Stops the fit after `epochs` epochs, keeping what a checkpoint at that epoch end holds. */
function interruptAfter(epochs: number, callback: ReturnType<typeof vibCallback>, into: { saved?: Interrupted }) {
  return new tfl.CustomCallback({
    onEpochEnd: async (epoch) => {
      if (epoch + 1 !== epochs) return;
      let artifacts!: tf.io.ModelArtifacts;
      await callback.model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
      into.saved = { artifacts, schedule: callback.getState() };
      callback.model.stopTraining = true;
    },
  });
}

const weightsOf = (model: tfl.LayersModel) => model.weights.map((w) => Float32Array.from(w.read().dataSync()));

for (const backend of TEST_BACKENDS) {
  describe(`vibCallback resume (${backend})`, () => {
    before(() => useBackend(backend));

    for (const [name, options, stopAt] of [
      // Stopped inside the VIB stage (a ladder mid-climb, a kept state to roll back to) and inside the fine-tune.
      ['accuracy budget, stopped in the VIB stage', 'budget', 5],
      ['target compression, stopped in the fine-tune', 'target', 9],
      // Shrunk in place before the stop: the saved model, any weight copy and the streaks are all at the shrunk sizes.
      ['target compression shrinking in place, stopped in the fine-tune', 'target-shrink', 10],
    ] as const) {
      it(`${name}: goes on to the weights an uninterrupted fit ends with`, async () => {
        // Shrinking needs a run long enough to prune (12 epochs on 768 sequences reach the target).
        const [samples, epochs] = options === 'target-shrink' ? [768, 12] : [256, EPOCHS];
        const train = summedTask(samples, 1);
        const validation = summedTask(128, 2);
        const callbackOptions = (): VIBCallbackOptions =>
          options === 'budget' ? { validationData: [validation.x, validation.y] } : { targetCompression: 8, shrink: options === 'target-shrink' };
        const whole = gatedLstm(1);
        whole.compile({ optimizer: vibOptimizer({ lr: 1e-2 }), loss: 'categoricalCrossentropy' });
        const wholeCallback = vibCallback(callbackOptions());
        await whole.fit(train.x, train.oneHot, { ...FIT, epochs, callbacks: [wholeCallback] });

        const first = gatedLstm(1);
        first.compile({ optimizer: vibOptimizer({ lr: 1e-2 }), loss: 'categoricalCrossentropy' });
        const firstCallback = vibCallback(callbackOptions());
        const holder: { saved?: Interrupted } = {};
        await first.fit(train.x, train.oneHot, { ...FIT, epochs, callbacks: [firstCallback, interruptAfter(stopAt, firstCallback, holder)] });
        const saved = holder.saved!;
        assert.ok(saved, 'the fit was interrupted');

        // A new process: the model and its optimizer from the saved artifacts, the schedule from its state.
        // (Its variables must be gone first: optimizer moments are keyed by variable name.)
        first.optimizer.dispose();
        first.dispose();
        const resumed = await tfl.loadLayersModel(tf.io.fromMemory(saved.artifacts));
        assert.ok(resumed.optimizer instanceof VIBOptimizer, 'the optimizer came back with the model');
        const resumedCallback = vibCallback({ ...callbackOptions(), resumeFrom: saved.schedule });
        await resumed.fit(train.x, train.oneHot, { ...FIT, epochs, initialEpoch: stopAt, callbacks: [resumedCallback] });

        if (options === 'target-shrink') {
          assert.ok(saved.schedule.shrinkStreaks, 'the streaks travel with the state');
          const rnn = resumed.layers.find((l) => l.getClassName() === 'VIBLSTM') as unknown as { liveIndices: { inputs: number[] | null } };
          assert.ok(rnn.liveIndices.inputs, 'the saved model came back shrunk');
        }
        const expected = weightsOf(whole);
        weightsOf(resumed).forEach((w, i) => assertClose(w, expected[i], 1e-6, `weight ${resumed.weights[i].originalName}`));
        assert.deepEqual(resumedCallback.selected, wholeCallback.selected);
        assert.deepEqual(
          resumedCallback.records.map((r) => [r.phase, r.progress, r.klFac, r.compression, r.validationAccuracy]),
          wholeCallback.records.map((r) => [r.phase, r.progress, r.klFac, r.compression, r.validationAccuracy]),
        );
        tf.dispose(Object.values(saved.schedule.tensors));
        for (const model of [whole, resumed]) {
          model.optimizer.dispose();
          model.dispose();
        }
        tf.dispose([train.x, train.y, train.oneHot, validation.x, validation.y, validation.oneHot]);
      });
    }

    it('refuses a state of another run length or version, naming it', async () => {
      const train = summedTask(64, 1);
      const model = gatedLstm(1);
      model.compile({ optimizer: vibOptimizer(), loss: 'categoricalCrossentropy' });
      const callback = vibCallback({ targetCompression: 4 });
      await model.fit(train.x, train.oneHot, { ...FIT, epochs: 5, callbacks: [callback] });
      const saved = callback.getState();
      const again = vibCallback({ targetCompression: 4, resumeFrom: saved });
      await assert.rejects(
        model.fit(train.x, train.oneHot, { ...FIT, epochs: 6, initialEpoch: 5, callbacks: [again] }),
        (e) => InvalidArgumentError.isInstance(e) && e.option === 'epochs',
      );
      assert.throws(
        () => vibCallback({ resumeFrom: { ...saved, state: { ...saved.state, version: 2 as 1 } } }),
        (e) => InvalidArgumentError.isInstance(e) && e.option === 'saved.state.version',
      );
      tf.dispose(Object.values(saved.tensors));
      model.optimizer.dispose();
      model.dispose();
      tf.dispose([train.x, train.y, train.oneHot]);
    });
  });
}
