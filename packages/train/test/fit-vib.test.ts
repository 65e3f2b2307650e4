import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import { VIBLayer, evaluateAccuracy } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { fitVIB, shuffledBatches, type FitRecord } from '../src/index.js';

const INFORMATIVE = [3, 9, 14, 20];

/** 24 features; the label is the argmax of features 3, 9, 14 and 20: four of them matter (6x). */
function selectionTask(samples: number, seed: number) {
  return tf.tidy(() => {
    const x = tf.randomNormal([samples, 24], 0, 1, 'float32', seed);
    const y = tf.argMax(tf.gather(x, INFORMATIVE, 1), 1);
    return { x, y };
  });
}

function gatedModel(seed: number) {
  const gate = new VIBLayer({ inputShape: [24], seed });
  const model = tfl.sequential({
    layers: [gate, tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed }) })],
  });
  return { gate, model };
}

/** The model and its optimizer's moments go; nothing else of the fit may stay behind. */
function release(model: tfl.LayersModel): void {
  model.optimizer.dispose();
  model.dispose();
}

for (const backend of TEST_BACKENDS) {
  describe(`fitVIB on ${backend}`, () => {
    before(() => useBackend(backend));

    it('fixed ramp: frozen identity gates through the warm-up, then the ramp, the fine-tune; ends frozen in hard mode, no leaks', async () => {
      const data = selectionTask(256, 1);
      const { gate, model } = gatedModel(2);
      tf.tidy(() => model.predict(tf.zeros([1, 24])));
      const muBefore = gate.getWeights()[0].dataSync().slice();
      const records: FitRecord[] = [];
      const logged: number[] = [];
      const start = tf.memory().numTensors;
      const result = await fitVIB(model, data, {
        callbacks: [{ onEpochEnd: async (_epoch: number, logs?: tfl.Logs) => void logged.push(logs!.klFac as number) }],
        epochs: 6,
        warmupEpochs: 1,
        fineTuneEpochs: 1,
        klFac: 1e-2,
        rampEpochs: 2,
        lr: 1e-2,
        onRecord: (r) => {
          records.push(r);
          if (r.phase === 'warmup') assert.deepEqual(Array.from(gate.getWeights()[0].dataSync()), Array.from(muBefore));
        },
      });
      assert.equal(result.mode, 'fixed');
      assert.equal(records.filter((r) => r.phase === 'warmup').length, 4, 'one epoch of 4 control points');
      const vib = records.filter((r) => r.phase === 'vib');
      assert.equal(vib.at(-1)!.klFac, 1e-2);
      assert.ok(vib.some((r) => r.klFac > 0 && r.klFac < 1e-2), 'the ramp passes between 0 and the target');
      vib.slice(1).forEach((r, i) => assert.ok(r.klFac >= vib[i].klFac, 'the ramp never falls'));
      assert.ok(records.some((r) => r.phase === 'fine-tune'));
      assert.equal(gate.settings.frozenMask, true);
      assert.equal(gate.settings.inferenceMode, 'hard');
      assert.equal(result.validationAccuracy, null);
      assert.equal(logged.length, 6, "the user's callbacks see every epoch's logs");
      assert.equal(logged[0], 0);
      model.optimizer.dispose();
      assert.equal(tf.memory().numTensors, start, 'fitVIB leaks tensors');
      model.dispose();
      tf.dispose([data.x, data.y]);
    });

    it('target: lands within 20% of the requested compression, keeps the informative features, and the result is the hard-mask model', async () => {
      const data = selectionTask(1024, 3);
      const validation = selectionTask(256, 4);
      const { gate, model } = gatedModel(5);
      const result = await fitVIB(model, data, { targetCompression: 6, validation, epochs: 16, lr: 1e-2 });
      assert.equal(result.mode, 'target-compression');
      const ratio = result.compression.ratio;
      assert.ok(Math.abs(ratio / 6 - 1) <= 0.2, `landed at ${ratio.toFixed(2)}x (kept ${gate.keptUnits()})`);
      assert.equal(result.reached, true);
      for (const f of INFORMATIVE) assert.ok(gate.keptUnits().includes(f), `feature ${f} pruned: kept ${gate.keptUnits()}`);
      assert.ok((result.validationAccuracy ?? 0) > 0.85, `accuracy ${result.validationAccuracy}`);
      assert.equal(evaluateAccuracy(model, validation), result.validationAccuracy);
      release(model);
      tf.dispose([data.x, data.y, validation.x, validation.y]);
    });

    it('with validation data: the 1-point accuracy budget, rungs recovered with frozen gates and klFac 0', async () => {
      const data = selectionTask(512, 6);
      const validation = selectionTask(256, 7);
      const { gate, model } = gatedModel(8);
      const records: FitRecord[] = [];
      const logAlphaInRecovery: number[][] = [];
      const result = await fitVIB(model, data, {
        validation,
        epochs: 16,
        warmupEpochs: 5,
        lr: 3e-2,
        ibLr: 5e-2,
        onRecord: (r) => {
          records.push(r);
          if (r.phase === 'recover') logAlphaInRecovery.push(Array.from(tf.tidy(() => gate.logAlpha()).dataSync()));
        },
      });
      assert.equal(result.mode, 'accuracy-budget');
      assert.ok(result.referenceAccuracy != null);
      assert.ok(result.compression.ratio > 1.5, `compressed only ${result.compression.ratio}x`);
      const recovering = records.filter((r) => r.phase === 'recover');
      assert.ok(recovering.length >= 4, 'at least one rung was recovered and judged');
      assert.ok(recovering.every((r) => r.klFac === 0));
      let frozenPairs = 0;
      for (let k = 1; k < records.length; k++) {
        if (records[k].phase !== 'recover' || records[k - 1].phase !== 'recover') continue;
        const i = recovering.indexOf(records[k]);
        assert.deepEqual(logAlphaInRecovery[i], logAlphaInRecovery[i - 1], 'gates do not move while recovering');
        frozenPairs++;
      }
      assert.ok(frozenPairs > 0);
      assert.ok(result.reached);
      assert.ok((result.selected?.validationAccuracy ?? 0) >= result.referenceAccuracy! - 0.01);
      assert.equal(result.compression.ratio, result.selected!.compression);
      release(model);
      tf.dispose([data.x, data.y, validation.x, validation.y]);
    });

    it('a model that arrives trained skips the warm-up and is held to the accuracy it arrived with', async () => {
      const data = selectionTask(512, 31);
      const validation = selectionTask(256, 32);
      const { model } = gatedModel(33);
      // Trained plainly first: a fixed ramp to klFac 0 after a long warm-up trains the network only.
      await fitVIB(model, data, { epochs: 8, warmupEpochs: 7, fineTuneEpochs: 0, klFac: 0, lr: 3e-2 });
      model.optimizer.dispose();
      const arrival = evaluateAccuracy(model, validation);
      assert.ok(arrival > 0.7, `the plain training reached only ${arrival}`);
      const records: FitRecord[] = [];
      const result = await fitVIB(model, data, { validation, epochs: 6, lr: 3e-2, ibLr: 5e-2, onRecord: (r) => records.push(r) });
      assert.deepEqual(result.arrival, { validationAccuracy: arrival, trained: true });
      assert.equal(records.filter((r) => r.phase === 'warmup').length, 0, 'no warm-up');
      assert.equal(result.referenceAccuracy, arrival);
      release(model);
      tf.dispose([data.x, data.y, validation.x, validation.y]);
    });

    it('the same seed gives the same weights; another seed another batch order', async () => {
      const data = selectionTask(256, 41);
      const run = async (seed: number) => {
        const { model } = gatedModel(42);
        await fitVIB(model, data, { epochs: 3, warmupEpochs: 1, fineTuneEpochs: 1, klFac: 1e-2, lr: 1e-2, seed });
        const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
        release(model);
        return weights;
      };
      const a = await run(1);
      assert.deepEqual(await run(1), a);
      assert.notDeepEqual(await run(2), a);
      tf.dispose([data.x, data.y]);
    });

    it('names bad options and labels', async () => {
      const data = selectionTask(64, 9);
      const { model } = gatedModel(10);
      const rejects = (options: Parameters<typeof fitVIB>[2], option: string, d: { x: tf.Tensor; y: tf.Tensor } = data) =>
        assert.rejects(fitVIB(model, d, options), (e) => InvalidArgumentError.isInstance(e) && e.option === option);
      await rejects({ epochs: 0 }, 'epochs');
      await rejects({ batchSize: 1.5 }, 'batchSize');
      await rejects({ targetCompression: 10, maxAccuracyDrop: 0.01 }, 'targetCompression');
      await rejects({ maxAccuracyDrop: 0.01 }, 'validationData');
      const wrongOneHot = { x: data.x, y: tf.oneHot(tf.cast(data.y, 'int32') as tf.Tensor1D, 5) };
      await rejects({}, 'data.y', wrongOneHot);
      // Bad values name the first bad sample: NaN inputs, labels outside the classes, NaN in validation.
      const nanInput = { x: tf.tidy(() => tf.concat([tf.slice(data.x, 0, 5), tf.fill([1, ...data.x.shape.slice(1)], Number.NaN), tf.slice(data.x, 6)])), y: data.y };
      await assert.rejects(fitVIB(model, nanInput, {}), (e) => InvalidArgumentError.isInstance(e) && e.option === 'data.x' && /sample 5/.test(e.message));
      const labels = data.y.dataSync().slice();
      labels[7] = 9;
      const outOfRange = { x: data.x, y: tf.tensor1d(labels, 'int32') };
      await assert.rejects(fitVIB(model, outOfRange, {}), (e) => InvalidArgumentError.isInstance(e) && e.option === 'data.y' && /9 at sample 7/.test(e.message));
      await rejects({ validation: nanInput }, 'validation.x');
      assert.throws(() => shuffledBatches(data.x, tf.zeros([3]), { batchSize: 8, seed: 1 }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'y');
      tf.dispose([data.x, data.y, wrongOneHot.y, nanInput.x, outOfRange.y]);
      model.dispose();
    });
  });
}
