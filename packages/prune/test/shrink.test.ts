import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LeanAdam, VIBLayer, VIBTrainer, setFrozenMask } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, assertClose, saveAndLoad, useBackend } from '@tfjs-compress/testing';
import { FeatureSelect, compact, composeShrinkOrigin, expandVIB, planShrink, shrinkVIB, sliceOptimizerState, type WeightSlice } from '../src/index.js';
import { inputBatch, randomizeWeights, seededValues, selectFeatures, setGate, useHardMasks } from './helpers.js';

const T = 4;
const F = 9;
const H = 6;
const CLASSES = 3;

type Recurrent = VIBLSTM | VIBGRU;

/** [front VIBLayer] -> VIB-RNN -> dropout -> dense(relu) -> BN -> dense(softmax), layers named so two copies share weight names. */
function buildModel(kind: 'lstm' | 'gru', frontGate: boolean, dropout = 0): tfl.LayersModel {
  const layers: tfl.layers.Layer[] = [];
  if (frontGate) layers.push(new VIBLayer({ name: 'front_gate', inputShape: [T, F], seed: 3 }));
  const args = { name: 'rnn', units: H, inputBottleneck: !frontGate, seed: 4, ...(frontGate ? {} : { inputShape: [T, F] }) };
  layers.push(kind === 'lstm' ? new VIBLSTM(args) : new VIBGRU(args));
  layers.push(
    tfl.layers.dropout({ rate: dropout, name: 'drop' }),
    tfl.layers.dense({ units: 5, activation: 'relu', name: 'fc' }),
    tfl.layers.batchNormalization({ name: 'bn' }),
    tfl.layers.dense({ units: CLASSES, activation: 'softmax', name: 'out' }),
  );
  return tfl.sequential({ layers, name: 'shrink_test' });
}

const rnnOf = (model: tfl.LayersModel) => model.getLayer('rnn') as Recurrent;

/** Random weights and gates: inputs 1, 4, 7 and (LSTM) units 0 (i), 2 (g), 5 (o) pruned; a closed forget gate on kept unit 3. */
function pruneSome(model: tfl.LayersModel, kind: 'lstm' | 'gru', frontGate: boolean): void {
  randomizeWeights(model, 11);
  const cell = rnnOf(model).cell;
  const inputGate = frontGate ? (model.getLayer('front_gate') as VIBLayer).vibGates[0] : cell.inputGate!;
  setGate(inputGate, [1, 4, 7]);
  if (kind === 'lstm') {
    setGate(cell.gates.i!, [0], 8);
    setGate(cell.gates.g!, [2], 9);
    setGate(cell.gates.o!, [5], 10);
    setGate(cell.gates.f!, [3], 12);
  } else {
    setGate(cell.gates.h!, [0, 2], 8);
    setGate(cell.gates.z!, [3], 9);
    setGate(cell.gates.r!, [], 10);
  }
}

function predict(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

/** `to` equals `from` gathered by the slice's index lists. */
function sliced(values: tf.Tensor, slice: WeightSlice): tf.Tensor {
  return tf.tidy(() => {
    let out = values;
    slice.indices.forEach((list, axis) => {
      if (list) out = tf.gather(out, tf.tensor1d(list, 'int32'), axis);
    });
    return tf.clone(out);
  });
}

function batches(count: number, batch: number): { xs: tf.Tensor; ys: tf.Tensor }[] {
  return Array.from({ length: count }, (_, i) => ({
    xs: inputBatch(batch, T, F, 100 + i),
    ys: tf.tensor1d(Array.from(seededValues(batch, 200 + i), (v) => Math.floor((v + 0.5) * CLASSES) % CLASSES), 'int32'),
  }));
}

function trainerWith(model: tfl.LayersModel, optimizers: LeanAdam[]): VIBTrainer {
  let next = 0;
  return new VIBTrainer(model, {
    lr: 1e-2,
    ibLr: 5e-2,
    optimizer: (rate) => optimizers[next++] ?? (optimizers.push(new LeanAdam(rate)), optimizers.at(-1)!),
  });
}

for (const backend of TEST_BACKENDS) {
  describe(`shrinkVIB (${backend})`, () => {
    before(() => useBackend(backend));

    for (const [kind, frontGate] of [['lstm', false], ['gru', false], ['lstm', true]] as const) {
      it(`${kind}${frontGate ? ' behind a VIBLayer' : ' with its input bottleneck'}: same predictions as the hard-mask model, smaller weights`, () => {
        const model = buildModel(kind, frontGate);
        pruneSome(model, kind, frontGate);
        useHardMasks(model);
        const start = tf.memory().numTensors;
        const result = shrinkVIB(model);
        assert.ok(result.changed);
        assert.equal(tf.memory().numTensors, start + result.model.weights.length, 'only the new weights stay alive');
        assert.deepEqual(result.keptInputs, [0, 2, 3, 5, 6, 8]);
        const keptUnits = kind === 'lstm' ? [1, 3, 4] : [1, 3, 4, 5];
        assert.deepEqual(result.layers.find((l) => l.name === 'rnn')?.units.kept, keptUnits);
        assert.deepEqual(result.removed, { inputs: 3, units: H - keptUnits.length });
        const select = result.model.layers.find((l) => l instanceof FeatureSelect) as FeatureSelect;
        assert.deepEqual(select.indices, [0, 2, 3, 5, 6, 8]);
        const rnn = rnnOf(result.model);
        assert.equal(rnn.cell.units, keptUnits.length);
        assert.equal(rnn.cell.inputDim, 6);
        assert.deepEqual(result.model.getLayer('fc').getWeights()[0].shape, [keptUnits.length, 5]);
        assert.deepEqual(result.model.inputs[0].shape, [null, T, F], 'external input shape unchanged');
        const x = inputBatch(5, T, F, 21);
        assertClose(predict(result.model, x), predict(model, x), 1e-5, 'shrunk vs masked');
        x.dispose();
        // Nothing left to remove: a second shrink is a no-op returning the same model.
        const again = shrinkVIB(result.model);
        assert.equal(again.changed, false);
        assert.equal(again.model, result.model);
        result.model.dispose();
        model.dispose();
      });
    }

    it('composes with an existing FeatureSelect and follows a plan that removes less', () => {
      const model = buildModel('lstm', false);
      pruneSome(model, 'lstm', false);
      useHardMasks(model);
      const first = shrinkVIB(model, { plan: { rnn: { inputs: [4], units: [2] } } });
      assert.deepEqual(first.keptInputs, [0, 1, 2, 3, 5, 6, 7, 8]);
      assert.deepEqual(rnnOf(first.model).cell.units, H - 1);
      // Input 7 is now at position 6 of the shrunk layer, input 1 at 1; unit 5 at 4.
      assert.deepEqual(planShrink(first.model).rnn, { inputs: [1, 6], units: [0, 4] });
      const second = shrinkVIB(first.model);
      assert.deepEqual(second.keptInputs, [0, 2, 3, 5, 6, 8]);
      assert.equal(second.model.layers.filter((l) => l instanceof FeatureSelect).length, 1);
      const x = inputBatch(3, T, F, 5);
      const expected = predict(model, x);
      assertClose(predict(first.model, x), expected, 1e-5, 'after the partial shrink');
      assertClose(predict(second.model, x), expected, 1e-5, 'after both');
      x.dispose();
      for (const m of [model, first.model, second.model]) m.dispose();
    });

    it('frozen masks: N training steps of the shrunk model with sliced LeanAdam moments equal those of the masked model', () => {
      const data = batches(5, 8);
      const [a, b] = [buildModel('lstm', false), buildModel('lstm', false)];
      for (const m of [a, b]) {
        pruneSome(m, 'lstm', false);
        useHardMasks(m);
        setFrozenMask(m, true);
      }
      const optA: LeanAdam[] = [];
      const optB: LeanAdam[] = [];
      const trainA = trainerWith(a, optA);
      const trainB = trainerWith(b, optB);
      // Two steps on both first, so the moments are not zero when they are sliced.
      for (const { xs, ys } of data.slice(0, 2)) {
        trainA.trainOnBatch(xs, ys);
        trainB.trainOnBatch(xs, ys);
      }
      const result = shrinkVIB(b);
      for (const o of optB) sliceOptimizerState(o, result.weights);
      b.dispose();
      const shrunk = result.model;
      assert.ok(shrunk.trainableWeights.every((w) => !w.name.includes('vib_')), 'gates stay frozen');
      const trainS = trainerWith(shrunk, optB);
      for (const { xs, ys } of data.slice(2)) {
        const la = trainA.trainOnBatch(xs, ys);
        const ls = trainS.trainOnBatch(xs, ys);
        assert.ok(Math.abs(la - ls) < 1e-5, `loss ${la} vs ${ls}`);
      }
      const byName = new Map(a.weights.map((w) => [w.originalName, w]));
      for (const slice of result.weights) {
        const expected = sliced(byName.get(slice.name)!.read(), slice);
        assertClose(slice.to.read(), expected, 1e-5, slice.name);
        expected.dispose();
      }
      trainA.dispose();
      trainS.dispose();
      tf.dispose(data.flatMap((d) => [d.xs, d.ys]));
      a.dispose();
      shrunk.dispose();
    });

    it('shrinking mid-training and training on leaks no tensors', () => {
      const start = tf.memory().numTensors;
      const data = batches(3, 4);
      const model = buildModel('gru', true, 0.2);
      pruneSome(model, 'gru', true);
      const optimizers: LeanAdam[] = [];
      const trainer = trainerWith(model, optimizers);
      trainer.trainOnBatch(data[0].xs, data[0].ys);
      const result = shrinkVIB(model);
      for (const o of optimizers) sliceOptimizerState(o, result.weights);
      model.dispose();
      const shrunkTrainer = trainerWith(result.model, optimizers);
      shrunkTrainer.trainOnBatch(data[1].xs, data[1].ys);
      const steady = tf.memory().numTensors;
      shrunkTrainer.trainOnBatch(data[2].xs, data[2].ys);
      assert.equal(tf.memory().numTensors, steady, 'a training step of the shrunk model');
      shrunkTrainer.dispose();
      result.model.dispose();
      tf.dispose(data.flatMap((d) => [d.xs, d.ys]));
      assert.equal(tf.memory().numTensors, start);
    });

    it('a shrunk model saves and loads (FeatureSelect in its config)', async () => {
      const model = buildModel('lstm', false);
      pruneSome(model, 'lstm', false);
      useHardMasks(model);
      const { model: shrunk } = shrinkVIB(model);
      const loaded = await saveAndLoad(shrunk);
      assert.ok(loaded.layers[0] instanceof FeatureSelect || loaded.layers[1] instanceof FeatureSelect);
      const x = inputBatch(3, T, F, 8);
      assertClose(predict(loaded, x), predict(shrunk, x), 1e-6, 'loaded vs shrunk');
      x.dispose();
      for (const m of [model, shrunk, loaded]) m.dispose();
    });

    it('compact(shrunk) predicts like compact(masked), with the same kept inputs', () => {
      const model = buildModel('lstm', false);
      pruneSome(model, 'lstm', false);
      useHardMasks(model);
      const { model: shrunk } = shrinkVIB(model);
      const fromMasked = compact(model);
      const fromShrunk = compact(shrunk);
      assert.deepEqual(fromShrunk.keptInputs, fromMasked.keptInputs);
      assert.deepEqual(
        fromShrunk.model.weights.map((w) => w.shape),
        fromMasked.model.weights.map((w) => w.shape),
      );
      const x = inputBatch(4, T, F, 9);
      const xs = selectFeatures(x, fromMasked.keptInputs);
      assertClose(predict(fromShrunk.model, xs), predict(fromMasked.model, xs), 1e-5, 'compact models');
      assertClose(predict(fromShrunk.model, xs), predict(model, x), 1e-5, 'compact vs masked');
      tf.dispose([x, xs]);
      for (const m of [model, shrunk, fromMasked.model, fromShrunk.model]) m.dispose();
    });

    it('stacked VIBLSTM -> VIBGRU: units of the first drop input rows (and input-gate entries) of the second', () => {
      const input = tfl.input({ shape: [T, F] });
      const first = new VIBLSTM({ name: 'first', units: H, returnSequences: true, inputBottleneck: true, seed: 1 });
      const second = new VIBGRU({ name: 'second', units: 5, inputBottleneck: true, seed: 2 });
      let x = first.apply(input) as tfl.SymbolicTensor;
      x = second.apply(x) as tfl.SymbolicTensor;
      x = tfl.layers.dense({ units: CLASSES, activation: 'softmax', name: 'out' }).apply(x) as tfl.SymbolicTensor;
      const model = tfl.model({ inputs: input, outputs: x });
      randomizeWeights(model, 13);
      setGate(first.cell.inputGate!, [2]);
      setGate(first.cell.gates.o!, [1, 4]);
      // The second layer's input gate closes input 3: a unit of the first layer, which must stay (its recurrence).
      setGate(second.cell.inputGate!, [3]);
      setGate(second.cell.gates.h!, [0]);
      useHardMasks(model);
      const result = shrinkVIB(model);
      assert.deepEqual(result.layers.find((l) => l.name === 'first')?.units.kept, [0, 2, 3, 5]);
      assert.deepEqual(result.layers.find((l) => l.name === 'second')?.inputs.kept, [0, 2, 3, 5]);
      assert.deepEqual(result.layers.find((l) => l.name === 'second')?.units.kept, [1, 2, 3, 4]);
      const probe = inputBatch(3, T, F, 14);
      assertClose(predict(result.model, probe), predict(model, probe), 1e-5, 'stacked');
      probe.dispose();
      result.model.dispose();
      model.dispose();
    });

    it('leaves recurrent units alone when a batch norm sits between them and the next dense layer', () => {
      const input = tfl.input({ shape: [T, F] });
      const rnn = new VIBLSTM({ name: 'rnn', units: H, inputBottleneck: true, seed: 2 });
      let x = rnn.apply(input) as tfl.SymbolicTensor;
      x = tfl.layers.batchNormalization({ name: 'bn' }).apply(x) as tfl.SymbolicTensor;
      x = tfl.layers.dense({ units: CLASSES, activation: 'softmax', name: 'out' }).apply(x) as tfl.SymbolicTensor;
      const model = tfl.model({ inputs: input, outputs: x });
      randomizeWeights(model, 3);
      setGate(rnn.cell.inputGate!, [0]);
      setGate(rnn.cell.gates.o!, [1]);
      useHardMasks(model);
      const result = shrinkVIB(model);
      assert.deepEqual(result.removed, { inputs: 1, units: 0 });
      const probe = inputBatch(2, T, F, 4);
      assertClose(predict(result.model, probe), predict(model, probe), 1e-5, 'inputs-only shrink');
      probe.dispose();
      result.model.dispose();
      model.dispose();
    });
  });
}

describe('FeatureSelect', () => {
  before(() => useBackend('cpu'));

  it('gathers x[..., indices] and rejects bad index lists', () => {
    const layer = new FeatureSelect({ indices: [0, 3, 4] });
    const x = tf.tensor3d(Array.from({ length: 10 }, (_, i) => i), [1, 2, 5]);
    const y = layer.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [0, 3, 4, 5, 8, 9]);
    tf.dispose([x, y]);
    for (const indices of [[], [2, 1], [0, 0], [-1], [0.5], 'x'] as unknown[]) {
      assert.throws(() => new FeatureSelect({ indices: indices as number[] }), InvalidArgumentError);
    }
    const tooFew = tfl.input({ shape: [3] });
    assert.throws(() => new FeatureSelect({ indices: [1, 3] }).apply(tooFew), InvalidArgumentError);
  });

  it('round-trips through save and load', async () => {
    const model = tfl.sequential({ layers: [new FeatureSelect({ indices: [1, 2], inputShape: [4] })] });
    const loaded = await saveAndLoad(model);
    assert.deepEqual((loaded.layers[0] as FeatureSelect).indices, [1, 2]);
    assert.deepEqual(loaded.outputs[0].shape, [null, 2]);
  });

  it('shrinkVIB rejects a plan that is not an object', () => {
    const model = buildModel('lstm', false);
    assert.throws(() => shrinkVIB(model, { plan: 3 as never }), InvalidArgumentError);
    model.dispose();
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`expandVIB (${backend})`, () => {
    before(() => useBackend(backend));

    it('undoes two shrinks: original sizes, same predictions, same compact model', () => {
      const model = buildModel('lstm', false);
      pruneSome(model, 'lstm', false);
      useHardMasks(model);
      const first = shrinkVIB(model, { plan: { rnn: { inputs: [4], units: [2] } } });
      const second = shrinkVIB(first.model);
      const origin = composeShrinkOrigin(composeShrinkOrigin(null, first), second);
      assert.deepEqual(origin.keptInputs, [0, 2, 3, 5, 6, 8]);
      assert.deepEqual(origin.layers.rnn.units, { before: H, kept: [1, 3, 4] });
      const expanded = expandVIB(second.model, origin);
      assert.deepEqual(expanded.weights.map((w) => w.shape), model.weights.map((w) => w.shape));
      assert.ok(!expanded.layers.some((l) => l instanceof FeatureSelect));
      assert.deepEqual(rnnOf(expanded).prunableUnits(), rnnOf(model).prunableUnits());
      const x = inputBatch(3, T, F, 6);
      assertClose(predict(expanded, x), predict(model, x), 1e-5, 'expanded vs masked');
      const a = compact(model);
      const b = compact(expanded);
      assert.deepEqual(b.keptInputs, a.keptInputs);
      assert.deepEqual(b.report.totals, a.report.totals);
      x.dispose();
      for (const m of [model, first.model, second.model, expanded, a.model, b.model]) m.dispose();
    });
  });
}
