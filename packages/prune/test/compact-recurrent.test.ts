import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { compact, type CompactResult } from '../src/index.js';
import { inputBatch, randomizeWeights, selectFeatures, setGate, useHardMasks } from './helpers.js';

const T = 5;
const F = 7;

type Recurrent = VIBLSTM | VIBGRU;
const cellOf = (layer: tfl.layers.Layer) => (layer as Recurrent).cell;

function headed(recurrent: tfl.layers.Layer[], classes = 3): tfl.LayersModel {
  const input = tfl.input({ shape: [T, F] });
  let x = input;
  for (const layer of recurrent) x = layer.apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 4, activation: 'relu', name: 'fc' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: classes, activation: 'softmax', name: 'out' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** Compacts, checks the prediction against the hard-mask original on x[..., kept], and that nothing leaked. */
function checkCompact(model: tfl.LayersModel, what: string): CompactResult {
  useHardMasks(model);
  const start = tf.memory().numTensors;
  const result = compact(model);
  const x = inputBatch(4, T, F, 17);
  const xs = selectFeatures(x, result.keptInputs);
  const expected = model.predict(x) as tf.Tensor;
  const got = result.model.predict(xs) as tf.Tensor;
  assertClose(got, expected, 1e-5, what);
  tf.dispose([x, xs, expected, got]);
  const weightCount = result.model.weights.length;
  assert.equal(tf.memory().numTensors, start + weightCount, `${what}: compact leaked tensors`);
  for (const layer of result.model.layers) {
    assert.ok(!layer.getClassName().startsWith('VIB'), `${what}: compact model holds ${layer.getClassName()}`);
  }
  return result;
}

for (const backend of TEST_BACKENDS) {
  describe(`compact recurrent models (${backend})`, () => {
    before(() => useBackend(backend));

    it('VIBLSTM: drops inputs and units, reproduces a closed forget gate of a kept unit', () => {
      const lstm = new VIBLSTM({ units: 6, inputBottleneck: true, name: 'lstm' });
      const model = headed([lstm]);
      randomizeWeights(model, 5);
      const cell = cellOf(lstm);
      setGate(cell.inputGate!, [1, 4]);
      setGate(cell.gates.i!, [0]);
      setGate(cell.gates.g!, [2]);
      setGate(cell.gates.o!, [5]);
      setGate(cell.gates.f!, [3, 5]);
      const result = checkCompact(model, 'VIBLSTM');
      assert.deepEqual(result.keptInputs, [0, 2, 3, 5, 6]);
      const compactLstm = result.model.getLayer('lstm');
      assert.equal(compactLstm.getClassName(), 'LSTM');
      assert.deepEqual(compactLstm.getWeights().map((w) => w.shape), [[5, 12], [3, 12], [12]]);
      assert.deepEqual(result.model.getLayer('fc').getWeights()[0].shape, [3, 4]);
      assert.deepEqual(result.layers.find((l) => l.name === 'lstm')?.keptUnits, [1, 3, 4]);
      assert.deepEqual(lstm.prunableUnits().units.kept, [1, 3, 4], 'agrees with the layer own rule');
      result.model.dispose();
      model.dispose();
    });

    it('VIBGRU with hardSigmoid: closed update and reset gates of kept units', () => {
      const gru = new VIBGRU({ units: 5, inputBottleneck: true, recurrentActivation: 'hardSigmoid', name: 'gru' });
      const model = headed([gru]);
      randomizeWeights(model, 9);
      const cell = cellOf(gru);
      setGate(cell.inputGate!, [0]);
      setGate(cell.gates.h!, [1]);
      setGate(cell.gates.z!, [2]);
      setGate(cell.gates.r!, [3, 1]);
      const result = checkCompact(model, 'VIBGRU');
      assert.deepEqual(result.keptInputs, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(result.model.getLayer('gru').getWeights().map((w) => w.shape), [[6, 12], [4, 12], [12]]);
      result.model.dispose();
      model.dispose();
    });

    it('stacked VIBLSTM -> VIBGRU: pruned units of the first drop input rows of the second', () => {
      const lstm = new VIBLSTM({ units: 5, inputBottleneck: true, returnSequences: true, name: 'lstm' });
      const gru = new VIBGRU({ units: 4, inputBottleneck: true, name: 'gru' });
      const model = headed([lstm, gru]);
      randomizeWeights(model, 21);
      setGate(cellOf(lstm).inputGate!, [6]);
      setGate(cellOf(lstm).gates.o!, [0, 2]);
      setGate(cellOf(lstm).gates.f!, [4]);
      setGate(cellOf(gru).inputGate!, [3]);
      setGate(cellOf(gru).gates.h!, [1]);
      const result = checkCompact(model, 'stacked');
      assert.deepEqual(result.model.getLayer('lstm').getWeights()[0].shape, [6, 12]);
      // GRU reads LSTM units 1 and 4 (3 is closed by its input gate: a zero row), keeps units 0, 2, 3.
      assert.deepEqual(result.model.getLayer('gru').getWeights().map((w) => w.shape), [[3, 9], [3, 9], [9]]);
      result.model.dispose();
      model.dispose();
    });

    it('nothing pruned: same shapes, same predictions (Sequential model)', () => {
      const model = tfl.sequential({
        layers: [
          new VIBLSTM({ units: 4, inputBottleneck: true, inputShape: [T, F], name: 'lstm' }),
          tfl.layers.dense({ units: 2, name: 'out' }),
        ],
      });
      randomizeWeights(model, 2);
      const result = checkCompact(model, 'unpruned');
      assert.deepEqual(result.keptInputs, [0, 1, 2, 3, 4, 5, 6]);
      assert.deepEqual(result.model.getLayer('lstm').getWeights().map((w) => w.shape), [[7, 16], [4, 16], [16]]);
      assert.equal(result.report.totals.paramsAfter, result.report.totals.paramsBefore);
      result.model.dispose();
      model.dispose();
    });

    it('prunes inputs only, or units only', () => {
      const inputsOnly = new VIBLSTM({ units: 3, inputBottleneck: true, name: 'lstm' });
      const m1 = headed([inputsOnly]);
      randomizeWeights(m1, 4);
      setGate(cellOf(inputsOnly).inputGate!, [0, 1, 2]);
      const r1 = checkCompact(m1, 'inputs only');
      assert.deepEqual(r1.model.getLayer('lstm').getWeights().map((w) => w.shape), [[4, 12], [3, 12], [12]]);
      const unitsOnly = new VIBGRU({ units: 4, name: 'gru' });
      const m2 = headed([unitsOnly]);
      randomizeWeights(m2, 6);
      setGate(cellOf(unitsOnly).gates.h!, [0, 3]);
      const r2 = checkCompact(m2, 'units only');
      assert.deepEqual(r2.keptInputs.length, F);
      assert.deepEqual(r2.model.getLayer('gru').getWeights().map((w) => w.shape), [[7, 6], [2, 6], [6]]);
      [r1.model, r2.model, m1, m2].forEach((m) => m.dispose());
    });

    it('useBias false: a closed forget gate of a kept unit gives the compact LSTM a bias', () => {
      const lstm = new VIBLSTM({ units: 4, useBias: false, name: 'lstm' });
      const model = headed([lstm]);
      randomizeWeights(model, 8);
      setGate(cellOf(lstm).gates.f!, [1]);
      setGate(cellOf(lstm).gates.i!, [3]);
      const result = checkCompact(model, 'no bias');
      const weights = result.model.getLayer('lstm').getWeights();
      assert.deepEqual(weights.map((w) => w.shape), [[7, 12], [3, 12], [12]]);
      assert.equal(weights[2].dataSync()[3 + 1], -1e4, 'forget bias of kept unit 1 pinned');
      result.model.dispose();
      model.dispose();
    });

    it('every unit pruned: a clear InvalidArgumentError, not a shape error', () => {
      const lstm = new VIBLSTM({ units: 3, name: 'lstm' });
      const model = headed([lstm]);
      setGate(cellOf(lstm).gates.o!, [0, 1, 2]);
      useHardMasks(model);
      const start = tf.memory().numTensors;
      assert.throws(
        () => compact(model),
        (e: unknown) => InvalidArgumentError.isInstance(e) && /every unit of layer 'lstm'/.test((e as Error).message),
      );
      assert.equal(tf.memory().numTensors, start);
      model.dispose();
    });
  });
}

describe('compact: unsupported models', () => {
  it('names a bidirectional layer with two outputs (mergeMode null)', () => {
    const input = tfl.input({ shape: [T, F] });
    const bi = tfl.layers.bidirectional({
      layer: tfl.layers.lstm({ units: 2, recurrentInitializer: 'glorotUniform' }) as never,
      mergeMode: null as never,
      name: 'bi',
    });
    const [a, b] = bi.apply(input) as tfl.SymbolicTensor[];
    const out = tfl.layers.dense({ units: 2 }).apply(tfl.layers.concatenate().apply([a, b])) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    assert.throws(() => compact(model), /'bi' \(Bidirectional\)/);
    model.dispose();
  });

  it('compacts a branching model (a graph, not only a chain)', () => {
    const input = tfl.input({ shape: [F] });
    const a = tfl.layers.dense({ units: 3, name: 'a' }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.dense({ units: 3, name: 'b' }).apply(a) as tfl.SymbolicTensor;
    const c = tfl.layers.dense({ units: 3, name: 'c' }).apply(a) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'sum' }).apply([b, c]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: sum });
    const result = compact(model);
    const x = tf.tensor2d(Array.from({ length: 2 * F }, (_, i) => i / 10 - 0.3), [2, F]);
    const expected = model.predict(x) as tf.Tensor;
    const got = result.model.predict(x) as tf.Tensor;
    assertClose(got, expected, 1e-6, 'branching model');
    tf.dispose([x, expected, got]);
    [result.model, model].forEach((m) => m.dispose());
  });
});
