import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import {
  DEFAULT_BUDGET_EPOCHS,
  DEFAULT_FIT_EPOCHS,
  InvalidArgumentError,
  VIBLayer,
  evaluateAccuracy,
  fitVIB,
  klSchedule,
  measureCompression,
  recurrentParams,
  type FitRecord,
} from '../src/index.js';

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

describe('klSchedule', () => {
  it('is 0 through the warm-up, then ramps linearly, then holds', () => {
    const at = klSchedule({ klFac: 1e-2, warmupEpochs: 2, rampEpochs: 4 });
    assert.equal(at(0), 0);
    assert.equal(at(1.99), 0);
    assert.equal(at(2), 0);
    assert.ok(Math.abs(at(3) - 2.5e-3) < 1e-15);
    assert.ok(Math.abs(at(4) - 5e-3) < 1e-15);
    assert.equal(at(6), 1e-2);
    assert.equal(at(60), 1e-2);
    assert.equal(klSchedule({ klFac: 1, warmupEpochs: 1, rampEpochs: 0 })(1), 1);
    assert.throws(() => klSchedule({ klFac: -1, warmupEpochs: 0, rampEpochs: 0 }), InvalidArgumentError);
  });
});

describe('measureCompression', () => {
  it('counts an LSTM as 4H(L+H)+4H before and after its masks (duck-typed prunableUnits)', () => {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const fake = {
      name: 'lstm',
      vibGates: [],
      setFrozenMask() {},
      setKlFac() {},
      cell: { gateNames: ['i', 'f', 'c', 'o'] },
      prunableUnits: () => ({
        inputs: { kept: range(7), removed: range(21) },
        units: { kept: range(16), removed: range(112) },
      }),
    };
    const m = measureCompression({ layers: [fake] });
    assert.equal(m.paramsBefore, 4 * 128 * (28 + 128) + 4 * 128);
    assert.equal(m.paramsAfter, 4 * 16 * (7 + 16) + 4 * 16);
    assert.equal(m.paramsBefore, recurrentParams(4, 28, 128));
    assert.ok(Math.abs(m.ratio - m.paramsBefore / m.paramsAfter) < 1e-12);
    // A GRU has three gate blocks.
    const gru = { ...fake, cell: { gateNames: ['z', 'r', 'h'] } };
    assert.equal(measureCompression({ layers: [gru] }).paramsAfter, 3 * 16 * 23 + 3 * 16);
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`fitVIB on ${backend}`, () => {
    before(() => useBackend(backend));

    it('fixed mode: klFac 0 and frozen identity gates through the warm-up, then ramps; ends frozen in hard mode', () => {
      const data = selectionTask(256, 1);
      const { gate, model } = gatedModel(2);
      model.predict(tf.zeros([1, 24]));
      const muBefore = gate.getWeights()[0].dataSync().slice();
      const records: FitRecord[] = [];
      const start = tf.memory().numTensors;
      const result = fitVIB(model, data, {
        epochs: 4,
        warmupEpochs: 1,
        rampEpochs: 2,
        klFac: 1e-2,
        fineTuneEpochs: 1,
        lr: 1e-2,
        onRecord: (r) => {
          records.push(r);
          if (r.phase === 'warmup') assert.deepEqual(Array.from(gate.getWeights()[0].dataSync()), Array.from(muBefore));
        },
      });
      assert.equal(tf.memory().numTensors, start, 'fitVIB leaks tensors');
      assert.equal(result.mode, 'fixed');
      const warm = records.filter((r) => r.phase === 'warmup');
      assert.ok(warm.length >= 1 && warm.every((r) => r.klFac === 0));
      const vib = records.filter((r) => r.phase === 'vib');
      assert.ok(vib.length > 0 && vib[vib.length - 1].klFac === 1e-2);
      assert.ok(vib.some((r) => r.klFac > 0 && r.klFac < 1e-2), 'the ramp passes between 0 and the target');
      vib.slice(1).forEach((r, i) => assert.ok(r.klFac >= vib[i].klFac, 'the ramp never falls'));
      assert.ok(records.some((r) => r.phase === 'fine-tune'));
      assert.equal(gate.settings.frozenMask, true);
      assert.equal(gate.settings.inferenceMode, 'hard');
      assert.equal(result.validationAccuracy, null);
      tf.dispose([data.x, data.y]);
      model.dispose();
    });

    it('target mode lands within 20% of the requested compression and keeps the informative features', () => {
      const data = selectionTask(1024, 3);
      const validation = selectionTask(256, 4);
      const { gate, model } = gatedModel(5);
      const result = fitVIB(model, data, { targetCompression: 6, validation, epochs: 16, lr: 1e-2, fineTuneEpochs: 2 });
      assert.equal(result.mode, 'target-compression');
      const ratio = result.compression.ratio;
      assert.ok(Math.abs(ratio / 6 - 1) <= 0.2, `landed at ${ratio.toFixed(2)}x (kept ${gate.keptUnits()})`);
      assert.equal(result.reached, true);
      for (const f of INFORMATIVE) assert.ok(gate.keptUnits().includes(f), `feature ${f} pruned: kept ${gate.keptUnits()}`);
      // The final model is the hard-mask one, and it still solves the task.
      assert.ok((result.validationAccuracy ?? 0) > 0.85, `accuracy ${result.validationAccuracy}`);
      assert.ok(Math.abs(evaluateAccuracy(model, validation) - (result.validationAccuracy ?? 0)) < 1e-9);
      tf.dispose([data.x, data.y, validation.x, validation.y]);
      model.dispose();
    });

    it('defaults to the 1-point accuracy budget: rungs recovered with frozen masks, the accepted state fine-tuned', () => {
      const data = selectionTask(512, 6);
      const validation = selectionTask(256, 7);
      const { gate, model } = gatedModel(8);
      const records: FitRecord[] = [];
      const gateDuringRecovery: number[][] = [];
      tf.tidy(() => model.predict(tf.zeros([1, 24])));
      const start = tf.memory().numTensors;
      const result = fitVIB(model, data, {
        validation,
        // A long warm-up: the model is trained before the KL stage, so the KL pressure costs accuracy.
        epochs: 14,
        warmupEpochs: 6,
        lr: 3e-2,
        ibLr: 5e-2,
        fineTuneEpochs: 1,
        onRecord: (r) => {
          records.push(r);
          if (r.phase !== 'recover') return;
          const logAlpha = gate.logAlpha();
          gateDuringRecovery.push(Array.from(logAlpha.dataSync()));
          logAlpha.dispose();
        },
      });
      assert.equal(tf.memory().numTensors, start, 'fitVIB leaks tensors');
      assert.equal(result.mode, 'accuracy-budget');
      assert.ok(result.referenceAccuracy != null);
      assert.ok(result.compression.ratio > 1.5, `compressed only ${result.compression.ratio}x`);
      const recovering = records.filter((r) => r.phase === 'recover');
      assert.ok(recovering.length >= 4, 'at least one rung was recovered and judged');
      assert.ok(recovering.every((r) => r.klFac === 0));
      // Consecutive recovery records of one window: the gates are frozen (log alpha unchanged).
      let frozenPairs = 0;
      for (let k = 1; k < records.length; k++) {
        if (records[k].phase !== 'recover' || records[k - 1].phase !== 'recover') continue;
        const i = recovering.indexOf(records[k]);
        assert.deepEqual(gateDuringRecovery[i], gateDuringRecovery[i - 1]);
        frozenPairs++;
      }
      assert.ok(frozenPairs > 0);
      // What was fine-tuned is the last accepted rung, judged within the budget.
      assert.equal(result.compression.ratio, result.selected.compression);
      assert.ok(result.reached);
      assert.ok((result.selected.validationAccuracy ?? 0) >= result.referenceAccuracy! - 0.01);
      tf.dispose([data.x, data.y, validation.x, validation.y]);
      model.dispose();
    });

    it('accuracy budget with rejudgeRejected: fine-tunes rejected rungs fully, keeps the first within budget (on by default)', () => {
      const data = selectionTask(512, 13);
      const truth = selectionTask(256, 14);
      // Labels no model can learn until the candidates' fine-tune starts: every rung is rejected after its recovery.
      const shuffledLabels = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([256], 0, 4, 'float32', 15)), 'int32'));
      const run = (realLabelsForCandidates: boolean, rejudgeRejected?: boolean) => {
        const { model } = gatedModel(16);
        let candidatePhase = false;
        const validation = {
          x: truth.x,
          get y() {
            return candidatePhase && realLabelsForCandidates ? truth.y : shuffledLabels;
          },
        };
        const records: FitRecord[] = [];
        tf.tidy(() => model.predict(tf.zeros([1, 24])));
        const start = tf.memory().numTensors;
        const result = fitVIB(model, data, {
          validation,
          referenceAccuracy: 0.6,
          rejudgeRejected,
          epochs: 16,
          warmupEpochs: 4,
          lr: 3e-2,
          ibLr: 5e-2,
          fineTuneEpochs: 2,
          onRecord: (r) => {
            records.push(r);
            if (r.phase === 'candidate') candidatePhase = true;
          },
        });
        assert.equal(tf.memory().numTensors, start, 'fitVIB leaks tensors');
        model.dispose();
        return { result, records };
      };

      const kept = run(true);
      const first = kept.result.candidates[0];
      assert.ok(first, 'a rung was rejected and became a candidate');
      assert.ok(first.compression > 1);
      assert.equal(first.kept, true, `judged ${first.validationAccuracy} after the fine-tune`);
      assert.equal(kept.result.candidates.length, 1, 'the first candidate within budget ends the search');
      assert.equal(kept.result.compression.ratio, first.compression, 'the candidate is the result');
      assert.equal(kept.result.selected.compression, first.compression);
      assert.equal(kept.result.reached, true);
      assert.ok(kept.result.validationAccuracy! >= 0.59);
      assert.equal(kept.records.filter((r) => r.phase === 'candidate').length, 2 * 4, 'one full fine-tune (2 epochs x 4 checks)');
      assert.equal(kept.records.filter((r) => r.phase === 'fine-tune').length, 0, 'no fallback fine-tune');

      const failed = run(false, true);
      const tried = failed.result.candidates;
      assert.ok(tried.length >= 1 && tried.every((c) => !c.kept && c.compression > 1));
      for (let k = 1; k < tried.length; k++) assert.ok(tried[k].compression <= tried[k - 1].compression, 'most compressed first');
      assert.equal(failed.records.filter((r) => r.phase === 'candidate').length, 2 * 4 * tried.length);
      // None within budget: back to the last accepted state (here the unpruned start), fine-tuned as before.
      assert.equal(failed.records.filter((r) => r.phase === 'fine-tune').length, 2 * 4);
      assert.equal(failed.result.compression.ratio, 1);
      assert.equal(failed.result.selected.compression, 1);
      assert.equal(failed.result.reached, true, 'the accepted start is within budget by definition');

      // Off: the rejected rungs are dropped and the accepted start is fine-tuned.
      const off = run(true, false);
      assert.deepEqual(off.result.candidates, []);
      assert.equal(off.result.compression.ratio, 1);
      assert.equal(off.records.filter((r) => r.phase === 'candidate').length, 0);
      tf.dispose([data.x, data.y, truth.x, truth.y, shuffledLabels]);
    });

    it('a model that arrives trained skips the warm-up and is measured from its own accuracy', () => {
      const data = selectionTask(512, 31);
      const validation = selectionTask(256, 32);
      const arrive = () => {
        const { model } = gatedModel(33);
        // Trained plainly first: fixed mode with klFac 0 is a warm-up and nothing else.
        fitVIB(model, data, { epochs: 8, warmupEpochs: 7, klFac: 0, fineTuneEpochs: 0, lr: 3e-2 });
        return model;
      };
      const run = (model: tfl.LayersModel, options: Parameters<typeof fitVIB>[2] = {}) => {
        const records: FitRecord[] = [];
        const arrival = evaluateAccuracy(model, validation);
        const start = tf.memory().numTensors;
        const result = fitVIB(model, data, { validation, epochs: 6, fineTuneEpochs: 1, lr: 3e-2, ibLr: 5e-2, ...options, onRecord: (r) => records.push(r) });
        assert.equal(tf.memory().numTensors, start, 'fitVIB leaks tensors');
        model.dispose();
        return { result, records, arrival };
      };

      const trained = run(arrive());
      assert.ok(trained.arrival > 0.7, `the plain training reached only ${trained.arrival}`);
      assert.deepEqual(trained.result.arrival, { validationAccuracy: trained.arrival, trained: true });
      assert.equal(trained.records.filter((r) => r.phase === 'warmup').length, 0, 'no warm-up');
      assert.equal(trained.records[0].phase, 'vib');
      // Measured from the arrival accuracy, kept fixed: not from a later warm-up, not raised.
      assert.equal(trained.result.referenceAccuracy, trained.arrival);

      // trainedFraction 1 turns the rule off: the default warm-up runs (25% of 6 epochs, 4 checks each).
      const off = run(arrive(), { trainedFraction: 1 });
      assert.deepEqual(off.result.arrival, { validationAccuracy: off.arrival, trained: false });
      assert.equal(off.records.filter((r) => r.phase === 'warmup').length, Math.round(6 * 0.25) * 4);

      // A fresh model sits near chance: it warms up.
      const { model: fresh } = gatedModel(34);
      const untrained = run(fresh);
      assert.equal(untrained.result.arrival?.trained, false);
      assert.ok(untrained.records.some((r) => r.phase === 'warmup'));
      tf.dispose([data.x, data.y, validation.x, validation.y]);
    });

    it('the accuracy budget defaults to 30 epochs (warm-up 8), the other modes to 20 (warm-up 5)', () => {
      const data = selectionTask(64, 11);
      const warmups = (options: Parameters<typeof fitVIB>[2]) => {
        const { model } = gatedModel(12);
        const records: FitRecord[] = [];
        // One batch per epoch, so one record per epoch.
        fitVIB(model, data, { ...options, fineTuneEpochs: 0, batchSize: 64, onRecord: (r) => records.push(r) });
        model.dispose();
        return records.filter((r) => r.phase === 'warmup').length;
      };
      assert.equal(warmups({ validation: data }), Math.round(DEFAULT_BUDGET_EPOCHS * 0.25));
      assert.equal(warmups({ targetCompression: 4 }), Math.round(DEFAULT_FIT_EPOCHS * 0.25));
      assert.equal(warmups({}), Math.round(DEFAULT_FIT_EPOCHS * 0.25));
      tf.dispose([data.x, data.y]);
    });

    it('rejects contradictory or invalid options', () => {
      const data = selectionTask(64, 9);
      const { model } = gatedModel(10);
      assert.throws(() => fitVIB(model, data, { targetCompression: 10, maxAccuracyDrop: 0.01 }), InvalidArgumentError);
      assert.throws(() => fitVIB(model, data, { maxAccuracyDrop: 0.01 }), InvalidArgumentError);
      assert.throws(() => fitVIB(model, data, { epochs: 4, warmupEpochs: 4 }), InvalidArgumentError);
      assert.throws(() => fitVIB(model, data, { epochs: 0 }), InvalidArgumentError);
      assert.throws(() => fitVIB(model, data, { targetCompression: 0.5 }), InvalidArgumentError);
      assert.throws(() => fitVIB(model, data, { validation: data, trainedFraction: 0 }), /trainedFraction/);
      tf.dispose([data.x, data.y]);
      model.dispose();
    });
  });
}
