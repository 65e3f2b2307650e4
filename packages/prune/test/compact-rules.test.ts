import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLayer } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { BUILT_IN_RULES, compact, layerRule, perFeatureRule, registerLayerRule, registeredLayerRules, ruleForLayer, summarizeModel } from '../src/index.js';
import { inputBatch, randomizeWeights, setGate, useHardMasks } from './helpers.js';

const T = 4;
const F = 5;
const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;

/** A per-feature layer this package has no rule for: x * scale. */
class TestScale extends tfl.layers.Layer {
  static className = 'TestScale';
  scale: tfl.LayerVariable | null = null;
  override build(shape: tfl.Shape | tfl.Shape[]): void {
    const s = shape as tfl.Shape;
    this.scale = this.addWeight('scale', [s[s.length - 1] as number], 'float32', tfl.initializers.ones());
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.scale!.read()));
  }
  override computeOutputShape(shape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return shape;
  }
}
tf.serialization.registerClass(TestScale);

/** A model whose first recurrent layer has units 1 and 3 pruned, `between` after it, then a dense head. */
function prunedLstmThen(between: (x: tfl.SymbolicTensor) => tfl.SymbolicTensor, returnSequences = false): tfl.LayersModel {
  const input = tfl.input({ shape: [T, F] });
  const lstm = new VIBLSTM({ units: 5, returnSequences, name: 'lstm' });
  let x = between(apply(lstm, input));
  if (returnSequences && x.shape.length === 3) x = apply(tfl.layers.globalAveragePooling1d({ name: 'pool' }), x);
  const model = tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 2, name: 'out' }), x) });
  randomizeWeights(model, 41);
  setGate(lstm.cell.gates.o!, [1, 3]);
  useHardMasks(model);
  return model;
}

function matches(model: tfl.LayersModel, what: string, x: tf.Tensor = inputBatch(3, T, F, 43)) {
  const result = compact(model);
  const xs = result.prepareInputs(x) as tf.Tensor;
  const expected = model.predict(x) as tf.Tensor;
  const got = result.model.predict(xs) as tf.Tensor;
  assertClose(got, expected, 1e-5, what);
  tf.dispose([x, xs, expected, got]);
  return result;
}

const refusal = (layer: string, className: string, why: RegExp) => (e: unknown) =>
  InvalidArgumentError.isInstance(e) && (e as Error).message.includes(`layer '${layer}' (${className})`) && why.test((e as Error).message);

for (const backend of TEST_BACKENDS) {
  describe(`compact: layer rules (${backend})`, () => {
    before(() => useBackend(backend));

    it('a layer without a rule that receives pruned features is refused, naming it, its class and why', () => {
      const model = prunedLstmThen((x) => apply(tfl.layers.permute({ dims: [2, 1], name: 'perm' }), x), true);
      assert.throws(() => compact(model), refusal('perm', 'Permute', /registerLayerRule.*features 1, 3 of its input are pruned upstream/));
      model.dispose();
    });

    it('a layer without a rule passes through when nothing pruned reaches it', () => {
      const input = tfl.input({ shape: [F, T] });
      const lstm = new VIBLSTM({ units: 4, inputBottleneck: true, name: 'lstm' });
      const x = apply(lstm, apply(tfl.layers.permute({ dims: [2, 1], name: 'perm' }), input));
      const model = tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 2, name: 'out' }), x) });
      randomizeWeights(model, 3);
      setGate(lstm.cell.inputGate!, [2]);
      setGate(lstm.cell.gates.g!, [0]);
      useHardMasks(model);
      const result = matches(model, 'permute in front', inputBatch(3, F, T, 5));
      assert.equal(result.model.getLayer('perm').getClassName(), 'Permute');
      assert.deepEqual(result.model.getLayer('lstm').getWeights()[0].shape, [F, 12], 'the input gate zeroes a row, Permute keeps it');
      [result.model, model].forEach((m) => m.dispose());
    });

    it('a coupling that cannot be shrunk exactly is refused: an Add of a gate-zeroed feature and a live one', () => {
      const input = tfl.input({ shape: [F] });
      const gate = new VIBLayer({ name: 'gate' });
      const a = apply(gate, apply(tfl.layers.dense({ units: 4, name: 'a' }), input));
      const b = apply(tfl.layers.dense({ units: 4, name: 'b' }), input);
      const out = apply(tfl.layers.dense({ units: 2, name: 'out' }), apply(tfl.layers.add({ name: 'sum' }), [a, b]));
      const model = tfl.model({ inputs: input, outputs: out });
      randomizeWeights(model, 7);
      setGate(gate.vibGates[0], [1]);
      useHardMasks(model);
      const start = tf.memory().numTensors;
      assert.throws(() => compact(model), refusal('sum', 'Add', /coupling.*features 1 of input 0 are zeroed by a VIB gate/));
      assert.equal(tf.memory().numTensors, start, 'a refusal leaks nothing');
      model.dispose();
    });

    it('LayerNormalization reads every feature: pruned units stay, computing exactly 0', () => {
      const model = prunedLstmThen((x) => apply(tfl.layers.layerNormalization({ name: 'ln' }), x));
      randomizeWeights(model, 9);
      const result = matches(model, 'layer norm');
      assert.deepEqual(result.model.getLayer('lstm').getWeights()[1].shape, [5, 20]);
      [result.model, model].forEach((m) => m.dispose());
    });

    it('LayerNormalization after a dropped VIB gate is refused with the reason', () => {
      const input = tfl.input({ shape: [F] });
      const gate = new VIBLayer({ name: 'gate' });
      const x = apply(tfl.layers.layerNormalization({ name: 'ln' }), apply(gate, apply(tfl.layers.dense({ units: 4, name: 'a' }), input)));
      const model = tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 2, name: 'out' }), x) });
      setGate(gate.vibGates[0], [2]);
      useHardMasks(model);
      assert.throws(() => compact(model), refusal('ln', 'LayerNormalization', /layer normalization reads all of them together; features 2/));
      model.dispose();
    });

    it('Masking, pooling over time, RepeatVector, Flatten, BatchNormalization and Dropout map features through', () => {
      const input = tfl.input({ shape: [T, F] });
      const lstm = new VIBLSTM({ units: 5, inputBottleneck: true, returnSequences: true, name: 'lstm' });
      let x = apply(lstm, apply(tfl.layers.masking({ maskValue: 0, name: 'mask' }), input));
      x = apply(tfl.layers.globalMaxPooling1d({ name: 'pool' }), x);
      x = apply(tfl.layers.batchNormalization({ name: 'bn' }), x);
      x = apply(tfl.layers.repeatVector({ n: 2, name: 'repeat' }), x);
      x = apply(tfl.layers.flatten({ name: 'flat' }), apply(tfl.layers.dropout({ rate: 0.3, name: 'drop' }), x));
      const model = tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 3, name: 'out' }), x) });
      randomizeWeights(model, 11);
      setGate(lstm.cell.inputGate!, [4]);
      setGate(lstm.cell.gates.o!, [0, 2]);
      useHardMasks(model);
      // Zero steps exercise the mask.
      const x0 = tf.tidy(() => tf.mul(inputBatch(3, T, F, 13), tf.tensor3d([1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1], [3, T, 1])));
      const result = matches(model, 'feature-wise layers', x0);
      assert.deepEqual(result.keptInputs, [0, 1, 2, 3]);
      assert.deepEqual(result.model.getLayer('bn').getWeights()[0].shape, [3]);
      assert.deepEqual(result.model.getLayer('out').getWeights()[0].shape, [6, 3], 'Flatten of 2 steps x 3 kept units');
      [result.model, model].forEach((m) => m.dispose());
    });

    it('Conv1D -> VIBGRU: filters the GRU does not read leave the convolution; constants fold with valid padding', () => {
      const input = tfl.input({ shape: [T + 2, F] });
      const gru = new VIBGRU({ units: 4, inputBottleneck: true, name: 'gru' });
      const gate = new VIBLayer({ name: 'gate' });
      let x = apply(tfl.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'valid', activation: 'relu', name: 'conv' }), input);
      x = apply(tfl.layers.batchNormalization({ name: 'bn' }), apply(gate, x));
      x = apply(tfl.layers.conv1d({ filters: 5, kernelSize: 2, name: 'conv2' }), x);
      const model = tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 2, name: 'out' }), apply(gru, x)) });
      randomizeWeights(model, 15);
      setGate(gate.vibGates[0], [1]);
      setGate(gru.cell.inputGate!, [0, 3]);
      setGate(gru.cell.gates.h!, [2]);
      useHardMasks(model);
      const result = matches(model, 'conv1d', inputBatch(3, T + 2, F, 17));
      assert.deepEqual(result.model.getLayer('conv').getWeights()[0].shape, [3, F, 5]);
      assert.deepEqual(result.model.getLayer('conv2').getWeights()[0].shape, [2, 5, 3]);
      const row = result.report.layers.find((r) => r.name === 'conv2')!;
      assert.ok(row.flopsAfter < row.flopsBefore && row.kindBefore === 'conv');
      [result.model, model].forEach((m) => m.dispose());
    });

  });
}

describe('compact: a custom layer (the registry is global: once)', () => {
  before(() => useBackend('cpu'));

  it('a custom layer: refused without a rule, exact with a registered one', () => {
    const make = () => prunedLstmThen((x) => apply(new TestScale({ name: 'scale' }), x));
    const model = make();
    (model.getLayer('scale') as TestScale).scale!.write(tf.tensor1d([0.5, 2, -1, 3, 1.5]));
    assert.throws(() => compact(model), refusal('scale', 'TestScale', /registerLayerRule/));
    registerLayerRule(
      'TestScale',
      perFeatureRule({
        constants: (node, dead, values) => {
          const scale = (node.layer as TestScale).scale!.read().dataSync();
          return values.map((v, i) => v * scale[dead[i]]);
        },
      }),
    );
    assert.ok(registeredLayerRules().includes('TestScale') && layerRule('TestScale') != null);
    const result = matches(model, 'custom layer');
    assert.deepEqual(result.model.getLayer('scale').getWeights()[0].dataSync(), Float32Array.from([0.5, -1, 1.5]));
    [result.model, model].forEach((m) => m.dispose());
  });
});

describe('compact: graphs it refuses', () => {
  before(() => useBackend('cpu'));

  it('names a shared layer', () => {
    const a = tfl.input({ shape: [F] });
    const b = tfl.input({ shape: [F] });
    const shared = tfl.layers.dense({ units: 3, name: 'shared' });
    const model = tfl.model({ inputs: [a, b], outputs: apply(tfl.layers.add({}), [apply(shared, a), apply(shared, b)]) });
    assert.throws(() => compact(model), refusal('shared', 'Dense', /applied 2 times/));
    model.dispose();
  });

  it('names a nested model', () => {
    const inner = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [F] })], name: 'inner' });
    const input = tfl.input({ shape: [F] });
    const model = tfl.model({ inputs: input, outputs: apply(inner as unknown as tfl.layers.Layer, input) });
    assert.throws(() => compact(model), /layer 'inner' \(Sequential\).*nested models/);
    model.dispose();
  });

  it('lists its built-in rules, and the report counts Bidirectional and Embedding layers', () => {
    for (const name of ['Dense', 'Embedding', 'LSTM', 'GRU', 'SimpleRNN', 'VIBLayer', 'Bidirectional', 'TimeDistributed', 'Conv1D', 'Add', 'Concatenate']) {
      assert.ok(BUILT_IN_RULES.includes(name), name);
    }
    // VIBLSTM / VIBGRU are not named: they declare their recurrent layout and get the LSTM/GRU rule by it.
    for (const layer of [new VIBLSTM({ units: 2 }), new VIBGRU({ units: 2 })]) {
      assert.ok(!BUILT_IN_RULES.includes(layer.getClassName()), layer.getClassName());
      assert.equal(ruleForLayer(layer), layerRule('LSTM'), layer.getClassName());
    }
    const input = tfl.input({ shape: [T] });
    const bi = tfl.layers.bidirectional({ layer: new VIBLSTM({ units: 3, inputBottleneck: true, name: 'lstm' }) as never, name: 'bi' });
    const x = apply(bi, apply(tfl.layers.embedding({ inputDim: 10, outputDim: 4, name: 'embed' }), input));
    const model = tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 2, name: 'out' }), x) });
    const [embed, row] = summarizeModel(model);
    assert.deepEqual([embed.kind, embed.params, embed.flops], ['embedding', 40, 0]);
    assert.equal(row.kind, 'lstm');
    assert.equal(row.params, 2 * (4 * 3 * (4 + 3) + 12));
    assert.equal(row.paperParams, row.params + 2 * 12);
    assert.equal(row.gateParams, 2 * 2 * (4 + 4 * 3));
    assert.equal(row.flops, 2 * T * (2 * 4 * 12 + 2 * 3 * 12 + 12));
    model.dispose();
  });
});
