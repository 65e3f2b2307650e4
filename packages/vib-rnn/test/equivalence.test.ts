import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { VIBGRU, VIBGRUCell, VIBLSTM, VIBLSTMCell, type VIBRecurrentLayer, type VIBLSTMArgs } from '../src/index.js';

const B = 3;
const T = 5;
const F = 4;
const H = 6;

type Kind = 'lstm' | 'gru';
type Driver = Pick<VIBLSTMArgs, 'returnSequences' | 'returnState' | 'goBackwards'>;

/** A tfjs built-in layer and a VIB layer holding the same weights. */
function pair(kind: Kind, vibArgs: Partial<VIBLSTMArgs>, driver: Driver = {}, recurrentActivation = 'sigmoid') {
  const common = { units: H, recurrentActivation, ...driver };
  const builtin =
    kind === 'lstm'
      ? tfl.layers.lstm({ ...common, recurrentInitializer: 'glorotUniform', biasInitializer: 'randomNormal' } as never)
      : tfl.layers.gru({ ...common, recurrentInitializer: 'glorotUniform', biasInitializer: 'randomNormal' } as never);
  const Layer = kind === 'lstm' ? VIBLSTM : VIBGRU;
  const vib: VIBRecurrentLayer = new Layer({ ...common, seed: 4, ...vibArgs });
  const x = tf.randomNormal([B, T, F], 0, 1, 'float32', 9);
  builtin.apply(x);
  vib.apply(x);
  vib.setPlainWeights(builtin.getWeights());
  return { builtin, vib, x };
}

const asList = (y: unknown) => (Array.isArray(y) ? y : [y]) as tf.Tensor[];

function expectSame(builtin: tfl.layers.Layer, vib: tfl.layers.Layer, x: tf.Tensor, what: string) {
  const expected = asList(builtin.apply(x));
  const actual = asList(vib.apply(x));
  expected.forEach((e, i) => assertClose(actual[i], e, 1e-5, `${what} output ${i}`));
}

for (const backend of TEST_BACKENDS) {
  describe(`equivalence with tfjs built-ins on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const kind of ['lstm', 'gru'] as const) {
      it(`${kind}: with every bottleneck off it equals tf.layers.${kind}`, () => {
        const { builtin, vib, x } = pair(kind, { gateBottleneck: false });
        expectSame(builtin, vib, x, kind);
      });

      it(`${kind}: with identity gates at inference it equals tf.layers.${kind}`, () => {
        const { builtin, vib, x } = pair(kind, { inputBottleneck: true, muInitializer: 'ones' });
        expectSame(builtin, vib, x, `${kind} weighted`);
        for (const gate of vib.vibGates) gate.settings.inferenceMode = 'hard';
        expectSame(builtin, vib, x, `${kind} hard`);
      });

      it(`${kind}: matches returnSequences, returnState and goBackwards`, () => {
        for (const driver of [
          { returnSequences: true },
          { returnState: true },
          { goBackwards: true, returnSequences: true, returnState: true },
        ]) {
          const { builtin, vib, x } = pair(kind, { gateBottleneck: false }, driver);
          expectSame(builtin, vib, x, `${kind} ${JSON.stringify(driver)}`);
        }
      });

      it(`${kind}: matches tfjs's default hardSigmoid recurrent activation`, () => {
        const { builtin, vib, x } = pair(kind, { gateBottleneck: false }, {}, 'hardSigmoid');
        expectSame(builtin, vib, x, `${kind} hardSigmoid`);
      });

      it(`${kind}: the standalone cell in tf.layers.rnn equals the layer`, () => {
        const args = { units: H, seed: 2, inputBottleneck: true };
        const cell = kind === 'lstm' ? new VIBLSTMCell(args) : new VIBGRUCell(args);
        const generic = tfl.layers.rnn({ cell, returnSequences: true });
        const Layer = kind === 'lstm' ? VIBLSTM : VIBGRU;
        const layer = new Layer({ ...args, returnSequences: true });
        const x = tf.randomNormal([B, T, F], 0, 1, 'float32', 3);
        generic.apply(x);
        layer.apply(x);
        layer.setWeights(generic.getWeights());
        assertClose(layer.apply(x) as tf.Tensor, generic.apply(x) as tf.Tensor, 1e-5, `${kind} cell vs layer`);
      });

      it(`${kind}: honours the input mask of a Masking layer like the built-in`, () => {
        const { builtin, vib } = pair(kind, { gateBottleneck: false }, { returnSequences: true });
        const data = tf.randomNormal([B, T, F], 0, 1, 'float32', 5).bufferSync();
        for (let f = 0; f < F; f++) data.set(0, 0, T - 1, f); // last step of example 0 is padding
        const x = data.toTensor();
        const masked = (layer: tfl.layers.Layer) => {
          const input = tfl.input({ shape: [T, F] });
          const output = layer.apply(tfl.layers.masking({ maskValue: 0 }).apply(input)) as tfl.SymbolicTensor;
          return tfl.model({ inputs: input, outputs: output }).predict(x) as tf.Tensor;
        };
        assertClose(masked(vib), masked(builtin), 1e-5, `${kind} masked`);
      });
    }
  });
}
