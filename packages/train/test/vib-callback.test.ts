import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import * as tfl from '@tensorflow/tfjs-layers';
import { compact } from '@tfjs-compress/prune';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { gatedLayers, measureCompression } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { FixedRampPolicy, TrainingDivergedError, evaluateAccuracy, vibCallback, vibOptimizer, type KlPolicy, type VIBCallbackOptions } from '../src/index.js';
import { gatedLstm, summedTask } from './helpers.js';

const EPOCHS = 12;

/** Plain tfjs plus the two lines: the optimizer and the callback. */
async function fitWithCallback(options: VIBCallbackOptions, seed = 1, samples = 768) {
  const train = summedTask(samples, seed);
  const model = gatedLstm(seed);
  model.compile({ optimizer: vibOptimizer({ lr: 1e-2 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const callback = vibCallback(options);
  const history = await model.fit(train.x, train.oneHot, { epochs: EPOCHS, batchSize: 32, shuffle: false, verbose: 0, callbacks: [callback] });
  tf.dispose([train.x, train.y, train.oneHot]);
  return { model, callback, history };
}

/**
 * Fits a gated LSTM with SGD (rate 0.1) and `callback`, recording the
 * optimizer's learning rate at every batch begin (after the callback set it),
 * and the rate after the fit.
 */
async function learningRates(callback: tfl.Callback, epochs: number, train: { x: tf.Tensor; oneHot: tf.Tensor }) {
  const model = gatedLstm(3);
  const optimizer = tf.train.sgd(0.1);
  const rateOf = () => (optimizer as unknown as { learningRate: number }).learningRate;
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const rates: number[] = [];
  const recorder = new (class extends tfl.Callback {
    override async onBatchBegin() {
      rates.push(rateOf());
    }
  })();
  await model.fit(train.x, train.oneHot, { epochs, batchSize: 32, shuffle: false, verbose: 0, callbacks: [callback, recorder] });
  const after = rateOf();
  model.dispose();
  optimizer.dispose();
  return { rates, after };
}

for (const backend of TEST_BACKENDS) {
  describe(`vibCallback in model.fit (${backend})`, () => {
    before(() => useBackend(backend));

    it('with validation data: compresses within the accuracy budget and leaves the model compact reproduces', async () => {
      const validation = summedTask(384, 2);
      const { model, callback, history } = await fitWithCallback({ validationData: [validation.x, validation.y] });
      const warmupBest = Math.max(...callback.records.filter((r) => r.phase === 'warmup').map((r) => r.validationAccuracy!));
      const ratio = measureCompression(model).ratio;
      assert.ok(ratio >= 2, `compression ${ratio}`);
      assert.ok(evaluateAccuracy(model, validation) >= warmupBest - 0.01, 'within a point of the uncompressed model');
      // The fit leaves every gate frozen and hard: what compact rebuilds, prediction for prediction.
      for (const layer of gatedLayers(model)) for (const gate of layer.vibGates) assert.equal(gate.settings.inferenceMode, 'hard');
      const small = compact(model);
      const expected = model.predict(validation.x) as tf.Tensor;
      const got = small.model.predict(tf.gather(validation.x, small.keptInputs, 2)) as tf.Tensor;
      assertClose(got, expected, 1e-5, 'compact vs the fitted model');
      // The history tfjs returns carries the VIB columns.
      assert.equal(history.history.compression.length, EPOCHS);
      assert.equal(history.history.compression[EPOCHS - 1], ratio);
      assert.ok(history.history.klFac.some((k) => (k as number) > 0));
      assert.ok(history.history.hardValAccuracy.length === EPOCHS);
      assert.deepEqual(
        [...new Set(callback.records.map((r) => r.phase))],
        ['warmup', 'vib', 'recover', 'fine-tune'].filter((p) => callback.records.some((r) => r.phase === p)),
      );
      tf.dispose([expected, got, validation.x, validation.y, validation.oneHot]);
      small.model.dispose();
      model.dispose();
    });
  });
}

describe('vibCallback policies', () => {
  // One backend is enough for the schedules; wasm runs these LSTMs about ten times faster than cpu.
  before(() => useBackend(TEST_BACKENDS.includes('wasm') ? 'wasm' : TEST_BACKENDS[0]));

  it('reaches a requested 20x within 20%', async () => {
    const { model, callback } = await fitWithCallback({ targetCompression: 20 });
    const ratio = measureCompression(model).ratio;
    assert.ok(Math.abs(ratio / 20 - 1) <= 0.2, `compression ${ratio}`);
    assert.equal(callback.policy.reached, true);
    model.dispose();
  });

  it('holds the accuracy where a fixed klFac ramp collapses the model to chance', async () => {
    const validation = summedTask(384, 2);
    const data = [validation.x, validation.y] as [tf.Tensor, tf.Tensor];
    const fixed = await fitWithCallback({ policy: new FixedRampPolicy({ klFac: 0.1, rampEpochs: 1 }), validationData: data });
    const budget = await fitWithCallback({ validationData: data });
    const warmupBest = Math.max(...fixed.callback.records.filter((r) => r.phase === 'warmup').map((r) => r.validationAccuracy!));
    assert.ok(warmupBest > 0.75, `the warm-up learned the task (${warmupBest})`);
    assert.ok(evaluateAccuracy(fixed.model, validation) < 0.4, 'the fixed ramp pruned the model to chance (4 classes)');
    assert.ok(evaluateAccuracy(budget.model, validation) >= warmupBest - 0.01, 'the budget held it within a point');
    tf.dispose([validation.x, validation.y, validation.oneHot]);
    fixed.model.dispose();
    budget.model.dispose();
  });

  it('drives model.fitDataset with a tf.data.generator the same way as model.fit', async () => {
    const train = summedTask(512, 3);
    // With batchesPerEpoch, tfjs reads on from one iterator across epochs: the stream must go round.
    const batches = (rounds: number) =>
      tfd.generator(function* () {
        for (let round = 0; round < rounds; round++) {
          for (let start = 0; start < 512; start += 32) yield { xs: tf.slice(train.x, start, 32), ys: tf.slice(train.oneHot, start, 32) };
        }
      });
    const run = async (fit: (model: ReturnType<typeof gatedLstm>, callback: ReturnType<typeof vibCallback>) => Promise<unknown>) => {
      const model = gatedLstm(3);
      model.compile({ optimizer: vibOptimizer({ lr: 1e-2 }), loss: 'categoricalCrossentropy' });
      const callback = vibCallback({ targetCompression: 10 });
      await fit(model, callback);
      const weights = model.weights.map((w) => Float32Array.from(w.read().dataSync()));
      model.optimizer.dispose();
      model.dispose();
      return { callback, weights };
    };
    const viaFit = await run((m, callback) => m.fit(train.x, train.oneHot, { epochs: EPOCHS, batchSize: 32, shuffle: false, verbose: 0, callbacks: [callback] }));
    const viaDataset = await run((m, callback) => m.fitDataset(batches(EPOCHS), { epochs: EPOCHS, batchesPerEpoch: 16, verbose: 0, callbacks: [callback] }));
    assert.ok(viaFit.callback.selected!.compression > 2, `compression ${viaFit.callback.selected!.compression}`);
    assert.deepEqual(viaDataset.callback.records.map((r) => [r.phase, r.progress, r.klFac, r.compression]), viaFit.callback.records.map((r) => [r.phase, r.progress, r.klFac, r.compression]));
    viaDataset.weights.forEach((w, i) => assertClose(w, viaFit.weights[i], 1e-5, `weight ${i}`));
    // A dataset of unknown length: one control point in the first epoch, then four per epoch.
    const unknown = await run((m, callback) => m.fitDataset(batches(1), { epochs: 3, verbose: 0, callbacks: [callback] }));
    assert.deepEqual(unknown.callback.records.map((r) => r.progress), [1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3]);
    tf.dispose([train.x, train.y, train.oneHot]);
  });

  it('tries the rejected candidate in the first half of the fine-tune: kept if the policy then accepts it, else the kept state', async () => {
    /** Keeps the unpruned start, prunes hard, rejects the result at the end of epoch 7 and ends the stage. */
    const rejecting = (accept: boolean): KlPolicy & { judged: number[] } => ({
      kind: 'accuracy-budget',
      needsValidation: true,
      recovering: false,
      reached: true,
      referenceAccuracy: null,
      judged: [],
      begin: () => ({ keep: true }),
      klFac: () => 0.05,
      control(signal) {
        return signal.progress >= 7 ? { candidate: true, restore: true, done: true } : {};
      },
      finish: () => ({}),
      acceptsCandidate(compression, accuracy) {
        this.judged.push(accuracy);
        return accept && compression > 1;
      },
    });
    const validation = summedTask(128, 2);
    for (const accept of [true, false]) {
      const policy = rejecting(accept);
      const { model, callback } = await fitWithCallback({ policy, validationData: [validation.x, validation.y], warmupEpochs: 2, fineTuneEpochs: 4 });
      const candidate = callback.records.find((r) => r.phase === 'vib' && r.progress === 7)!;
      assert.ok(candidate.compression > 1.5, `the VIB stage pruned (${candidate.compression})`);
      // The fine-tune starts after epoch 7; the trial runs to the start of epoch 9 (half of the 5 epochs left, rounded down).
      assert.equal(policy.judged.length, 1, 'judged once');
      assert.ok(callback.records.some((r) => r.phase === 'fine-tune' && r.progress === 9 && r.validationAccuracy === policy.judged[0]));
      const ratio = measureCompression(model).ratio;
      if (accept) {
        assert.equal(callback.selected!.compression, candidate.compression);
        assert.equal(ratio, candidate.compression);
      } else {
        assert.equal(callback.selected!.compression, 1);
        assert.equal(ratio, 1, 'the unpruned kept state was fine-tuned');
      }
      assert.equal(callback.candidates.length, 0, 'no weight copies left behind');
      model.optimizer.dispose();
      model.dispose();
    }
    tf.dispose([validation.x, validation.y, validation.oneHot]);
  });

  it('puts the nearest rejected rung above the kept state on trial, and drops copies the kept state has passed', async () => {
    // Rejections at 5.5, 6 and 7.5 (pruning goes on: they grow in compression); a keep at 6.5 passes the first two.
    const nearest = (keepAt65: boolean): KlPolicy & { tried: number[] } => ({
      kind: 'accuracy-budget',
      needsValidation: true,
      recovering: false,
      reached: true,
      referenceAccuracy: null,
      tried: [],
      begin: () => ({ keep: true }),
      klFac: () => 0.05,
      control(signal) {
        if (signal.progress === 5.5 || signal.progress === 6) return { candidate: true };
        if (signal.progress === 6.5 && keepAt65) return { keep: true };
        if (signal.progress === 7.5) return { candidate: true, restore: true, done: true };
        return {};
      },
      finish: () => ({}),
      acceptsCandidate(compression) {
        this.tried.push(compression);
        return true;
      },
    });
    const validation = summedTask(128, 2);
    for (const keepAt65 of [false, true]) {
      const policy = nearest(keepAt65);
      const { model, callback } = await fitWithCallback({ policy, validationData: [validation.x, validation.y], warmupEpochs: 2, fineTuneEpochs: 2 });
      const at = (progress: number) => callback.records.find((r) => r.phase === 'vib' && r.progress === progress)!.compression;
      assert.ok(1 < at(5.5) && at(5.5) < at(6) && at(6) < at(7.5), `rejections grow in compression (${at(5.5)}, ${at(6)}, ${at(7.5)})`);
      // Without the keep, the two copies kept are 5.5 and 6 (the cap of 2 drops 7.5) and the nearest, 5.5, is tried; with it, 7.5 is the only copy above the kept state.
      assert.deepEqual(policy.tried, [keepAt65 ? at(7.5) : at(5.5)]);
      assert.equal(measureCompression(model).ratio, keepAt65 ? at(7.5) : at(5.5));
      assert.equal(callback.candidates.length, 0);
      model.optimizer.dispose();
      model.dispose();
    }
    tf.dispose([validation.x, validation.y, validation.oneHot]);
  });

  it("anneals the optimizer's learning rate over the fine-tune (cosine to fineTuneFinalLrScale) and gives the compiled rate back", async () => {
    const train = summedTask(128, 3);
    const run = (finalScale?: number) => learningRates(vibCallback({ warmupEpochs: 1, fineTuneEpochs: 2, fineTuneFinalLrScale: finalScale }), 6, train);
    // 4 steps per epoch: the fine-tune is epochs 4 and 5, steps 16 to 23.
    const { rates, after } = await run(0.2);
    const expected = rates.map((_, step) => (step < 16 ? 0.1 : 0.1 * (0.2 + (0.8 * (1 + Math.cos((Math.PI * (step - 16)) / 8))) / 2)));
    assertClose(rates, expected, 1e-9);
    assert.equal(after, 0.1);
    const off = await run(1);
    assert.ok(off.rates.every((r) => r === 0.1));
    tf.dispose([train.x, train.y, train.oneHot]);
  });

  it("anneals the learning rate over each recovery window (cosine to recoveryFinalLrScale) and gives the full rate back when compression resumes", async () => {
    const train = summedTask(128, 3);
    // A policy that recovers from the 4th to the 6th control point of its stage, in a window of 4 steps.
    const scripted = (): KlPolicy => {
      let controls = 0;
      const recovering = () => controls >= 4 && controls < 7;
      return {
        kind: 'fixed',
        needsValidation: false,
        reached: true,
        referenceAccuracy: null,
        get recovering() {
          return recovering();
        },
        get recoveryWindow() {
          return recovering() ? { done: controls - 4, steps: 4 } : null;
        },
        begin: () => ({}),
        klFac: () => 1e-3,
        control: () => {
          controls++;
          return {};
        },
        finish: () => ({}),
      };
    };
    const run = async (finalScale?: number) => {
      const callback = vibCallback({ policy: scripted(), warmupEpochs: 1, fineTuneEpochs: 1, fineTuneFinalLrScale: 1, recoveryFinalLrScale: finalScale });
      return (await learningRates(callback, 4, train)).rates;
    };
    // 4 steps per epoch, one control point each: the VIB stage is steps 4 to 11, the window steps 8 to 10.
    const cosine = (t: number) => 0.1 * (0.2 + (0.8 * (1 + Math.cos(Math.PI * t))) / 2);
    const expected = Array.from({ length: 16 }, (_, step) => (step >= 8 && step <= 10 ? cosine((step - 8) / 4) : 0.1));
    assertClose(await run(0.2), expected, 1e-9);
    assert.ok((await run(1)).every((r) => r === 0.1), '1 turns it off');
    assert.throws(() => vibCallback({ recoveryFinalLrScale: 0 }), /recoveryFinalLrScale/);
    tf.dispose([train.x, train.y, train.oneHot]);
  });

  it('leaks no tensors: a second identical fit ends with the same count', async () => {
    const validation = summedTask(128, 2);
    const run = async () => {
      const { model, callback } = await fitWithCallback({ validationData: [validation.x, validation.y], maxCandidates: 2 }, 5, 128);
      callback.disposeCandidates();
      // A user's optimizer outlives model.dispose().
      model.optimizer.dispose();
      model.dispose();
    };
    await run();
    const before = tf.memory().numTensors;
    await run();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([validation.x, validation.y, validation.oneHot]);
  });

  it('stops the fit at the first non-finite loss (naming epoch and batch), or at NaN weights by the epoch end', async () => {
    const train = summedTask(128, 4);
    // Batch 2 of each epoch (32 sequences each, no shuffling) is poisoned.
    const poison = (t: tf.Tensor) => tf.tidy(() => tf.concat([tf.slice(t, 0, 64), tf.mul(tf.slice(t, 64, 32), Number.NaN), tf.slice(t, 96)]));
    const fit = async (x: tf.Tensor, y: tf.Tensor) => {
      const model = gatedLstm(4);
      model.compile({ optimizer: vibOptimizer({ lr: 1e-2 }), loss: 'categoricalCrossentropy' });
      const run = model.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false, verbose: 0, callbacks: [vibCallback({ warmupEpochs: 1 })] });
      const error = await run.then(() => null, (e: unknown) => e);
      model.optimizer.dispose();
      model.dispose();
      return error;
    };
    // NaN labels: the loss itself is NaN at that batch.
    const floatLabels = tf.cast(train.oneHot, 'float32');
    const labels = poison(floatLabels);
    const atLoss = await fit(train.x, labels);
    assert.ok(TrainingDivergedError.isInstance(atLoss), String(atLoss));
    assert.deepEqual([atLoss.epoch, atLoss.batch], [1, 2]);
    assert.match(atLoss.message, /the loss is NaN at epoch 1, batch 2/);
    // NaN inputs: cross-entropy clips the probabilities, so the loss can stay finite while NaN gradients
    // reach the weights; the epoch's end catches them before the schedule keeps that state.
    const inputs = poison(train.x);
    const atWeights = await fit(inputs, train.oneHot);
    assert.ok(TrainingDivergedError.isInstance(atWeights), String(atWeights));
    assert.equal(atWeights.epoch, 1);
    tf.dispose([floatLabels, labels, inputs, train.x, train.y, train.oneHot]);
  });

  it('names bad options', () => {
    assert.throws(() => vibCallback({ maxAccuracyDrop: 0.01 }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'validationData');
    assert.throws(() => vibCallback({ controlsPerEpoch: 0 }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'controlsPerEpoch');
    assert.throws(
      () => vibCallback({ targetCompression: 10, maxAccuracyDrop: 0.01 }),
      (e) => InvalidArgumentError.isInstance(e) && e.option === 'targetCompression',
    );
  });
});
