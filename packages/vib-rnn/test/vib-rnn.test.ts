import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBTrainer } from '@tfjs-compress/vib';
import { vibKl } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError } from '@tfjs-compress/common';
import {
  TEST_BACKENDS,
  assertClose,
  assertNoLeak,
  finiteDifferenceGradient,
  maxAbsDiff,
  saveAndLoad,
  useBackend,
} from '@tfjs-compress/testing';
import { VIBGRU, VIBLSTM, type VIBLSTMArgs, type VIBRecurrentLayer } from '../src/index.js';

const T = 4;
const F = 5;
const H = 4;

function model(kind: 'lstm' | 'gru', args: Partial<VIBLSTMArgs> = {}) {
  const Layer = kind === 'lstm' ? VIBLSTM : VIBGRU;
  const rnn: VIBRecurrentLayer = new Layer({ units: H, inputShape: [T, F], seed: 1, ...args });
  const m = tfl.sequential({ layers: [rnn, tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) })] });
  m.predict(tf.zeros([1, T, F]));
  return { m, rnn };
}

/** Sets logD of the given units of a gate high enough that log alpha > 0 (pruned). */
function pruneUnits(layer: VIBRecurrentLayer, gateName: string | 'input', units: number[]) {
  const gate = gateName === 'input' ? layer.cell.inputGate! : layer.cell.gates[gateName]!;
  const values = gate.logD.read().dataSync().slice();
  for (const k of units) values[k] = 10;
  gate.logD.write(tf.tensor1d(values));
}

/** Zeroes every weight into and out of hidden unit k (its gate columns, its W_hh row, the head's row). */
function zeroUnit(layer: VIBRecurrentLayer, head: tfl.layers.Layer, k: number) {
  const G = layer.cell.gateCount;
  const [kernel, recurrent, bias] = layer.plainWeights();
  const columns = tf.buffer([1, G * H], 'float32');
  for (let c = 0; c < G * H; c++) columns.set(c % H === k ? 0 : 1, 0, c);
  const keep = columns.toTensor();
  const rowKeep = tf.sub(1, tf.reshape(tf.oneHot(tf.tensor1d([k], "int32"), H), [H, 1]));
  layer.setPlainWeights([tf.mul(kernel, keep), tf.mul(tf.mul(recurrent, keep), rowKeep), tf.mul(bias, tf.reshape(keep, [-1]))]);
  const [headKernel, headBias] = head.getWeights();
  head.setWeights([tf.mul(headKernel, rowKeep), headBias]);
}

for (const backend of TEST_BACKENDS) {
  describe(`VIBLSTM / VIBGRU on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const kind of ['lstm', 'gru'] as const) {
      it(`${kind}: adds klFac * KL of every gate to the model losses`, () => {
        const { m, rnn } = model(kind, { inputBottleneck: true, klFac: 0.01, klMult: 3 });
        const expected = rnn.vibGates.reduce((sum, g) => sum + 0.01 * vibKl(g.mu.read(), g.logD.read(), 3).dataSync()[0], 0);
        const losses = m.calculateLosses();
        assert.equal(losses.length, 1);
        assertClose(losses[0].dataSync()[0], expected, 1e-5 * expected, 'KL loss');
        assert.equal(rnn.vibGates.length, kind === 'lstm' ? 5 : 4);
      });

      it(`${kind}: gradients match finite differences through the noisy training path`, () => {
        const { m, rnn } = model(kind, { inputBottleneck: true, klFac: 0.01 });
        for (const gate of rnn.vibGates) gate.logD.write(tf.fill([gate.size], -2));
        const x = tf.randomNormal([2, T, F], 0, 1, 'float32', 7);
        const loss = () => {
          rnn.resetNoise();
          const y = m.apply(x, { training: true }) as tf.Tensor;
          return tf.add(tf.sum(tf.square(y)), m.calculateLosses()[0]) as tf.Scalar;
        };
        const names = ['kernel', 'recurrent_kernel', 'bias', 'input_vib_mu', `${kind === 'lstm' ? 'o' : 'h'}_gate_vib_log_d`];
        for (const weight of rnn.trainableWeights.filter((w) => names.some((n) => w.originalName.endsWith(`/${n}`)))) {
          const variable = weight.read() as tf.Variable;
          const analytic = tf.variableGrads(loss, [variable]).grads[variable.name].dataSync();
          const coordinates = [0, 3, Math.floor(variable.size / 2), variable.size - 1];
          for (const [i, numeric] of finiteDifferenceGradient(loss, variable, coordinates, 5e-3)) {
            const tol = 5e-3 + 3e-2 * Math.abs(numeric);
            assert.ok(Math.abs(analytic[i] - numeric) <= tol, `${weight.originalName}[${i}]: ${analytic[i]} vs ${numeric}`);
          }
        }
      });

      it(`${kind}: round-trips through model.save and tf.loadLayersModel`, async () => {
        const { m, rnn } = model(kind, {
          inputBottleneck: true,
          gateBottleneck: kind === 'lstm' ? ['i', 'o'] : ['h'],
          klMult: 4,
          dropout: 0.1,
          recurrentDropout: 0.2,
          returnSequences: false,
          inferenceMode: 'hard',
        });
        pruneUnits(rnn, 'input', [1]);
        const loaded = await saveAndLoad(m);
        const restored = loaded.layers[0] as VIBRecurrentLayer;
        assert.equal(restored.getClassName(), kind === 'lstm' ? 'VIBLSTM' : 'VIBGRU');
        assert.deepEqual(restored.cell.bottleneckGates, rnn.cell.bottleneckGates);
        assert.equal(restored.cell.recurrentDropout, 0.2);
        assert.deepEqual(restored.prunableUnits(), rnn.prunableUnits());
        const x = tf.randomNormal([3, T, F]);
        assertClose(loaded.predict(x) as tf.Tensor, m.predict(x) as tf.Tensor, 1e-6, 'predictions');
        assertClose(loaded.calculateLosses()[0], m.calculateLosses()[0], 1e-5, 'losses');
      });

      it(`${kind}: leaks no tensors over repeated training steps`, async () => {
        const { m } = model(kind, { inputBottleneck: true, dropout: 0.2, recurrentDropout: 0.2 });
        const trainer = new VIBTrainer(m, { lr: 0.01 });
        const x = tf.randomNormal([4, T, F], 0, 1, 'float32', 1);
        const y = tf.tensor1d([0, 1, 2, 0], 'int32');
        await assertNoLeak(() => trainer.trainOnBatch(x, y), 3, `${kind} training step`);
        await assertNoLeak(() => tf.dispose(m.predict(x) as tf.Tensor), 2, `${kind} predict`);
        trainer.dispose();
      });

      it(`${kind}: draws fresh dropout masks on every call and none at inference`, () => {
        const { m } = model(kind, { dropout: 0.5, recurrentDropout: 0.5, gateBottleneck: false });
        const x = tf.randomNormal([4, T, F], 0, 1, 'float32', 2);
        const a = m.apply(x, { training: true }) as tf.Tensor;
        const b = m.apply(x, { training: true }) as tf.Tensor;
        assert.ok(maxAbsDiff(a, b) > 1e-4, 'masks must be redrawn between calls');
        assertClose(m.predict(x) as tf.Tensor, m.predict(x) as tf.Tensor, 0, 'inference ignores dropout');
      });

      it(`${kind}: the same seed gives the same training outputs`, () => {
        const x = tf.randomNormal([2, T, F], 0, 1, 'float32', 2);
        const run = () => model(kind, { inputBottleneck: true, dropout: 0.3 }).m.apply(x, { training: true }) as tf.Tensor;
        assertClose(run(), run(), 0, 'seeded run');
      });
    }

    it('lstm: a unit with a zero input, candidate or output mask is removable; forget alone is not', () => {
      for (const gate of ['i', 'g', 'o']) {
        const { m, rnn } = model('lstm', { inferenceMode: 'hard' });
        pruneUnits(rnn, gate, [2]);
        assert.deepEqual(rnn.prunableUnits().units.removed, [2], gate);
        const x = tf.randomNormal([3, T, F], 0, 1, 'float32', 6);
        const before = m.predict(x) as tf.Tensor;
        zeroUnit(rnn, m.layers[1], 2);
        assertClose(m.predict(x) as tf.Tensor, before, 1e-6, `zeroing unit removed by ${gate}`);
      }
      const { m, rnn } = model('lstm', { inferenceMode: 'hard' });
      pruneUnits(rnn, 'f', [2]);
      assert.deepEqual(rnn.prunableUnits().units.removed, []);
      const x = tf.randomNormal([3, T, F], 0, 1, 'float32', 6);
      const before = m.predict(x) as tf.Tensor;
      zeroUnit(rnn, m.layers[1], 2);
      assert.ok(maxAbsDiff(m.predict(x) as tf.Tensor, before) > 1e-4, 'a forget-masked unit still matters');
    });

    it('gru: a unit with a zero candidate mask is removable; update or reset alone is not', () => {
      const { m, rnn } = model('gru', { inferenceMode: 'hard' });
      pruneUnits(rnn, 'h', [1]);
      assert.deepEqual(rnn.prunableUnits().units.removed, [1]);
      const x = tf.randomNormal([3, T, F], 0, 1, 'float32', 6);
      const before = m.predict(x) as tf.Tensor;
      zeroUnit(rnn, m.layers[1], 1);
      assertClose(m.predict(x) as tf.Tensor, before, 1e-6, 'zeroing a candidate-masked unit');
      for (const gate of ['z', 'r']) {
        const other = model('gru', { inferenceMode: 'hard' });
        pruneUnits(other.rnn, gate, [1]);
        assert.deepEqual(other.rnn.prunableUnits().units.removed, [], gate);
        const y = other.m.predict(x) as tf.Tensor;
        zeroUnit(other.rnn, other.m.layers[1], 1);
        assert.ok(maxAbsDiff(other.m.predict(x) as tf.Tensor, y) > 1e-4, `a ${gate}-masked unit still matters`);
      }
    });

    it('reports pruned input features from the input bottleneck', () => {
      const { rnn } = model('lstm', { inputBottleneck: true });
      pruneUnits(rnn, 'input', [0, 3]);
      assert.deepEqual(rnn.prunableUnits().inputs, { kept: [1, 2, 4], removed: [0, 3] });
      assert.deepEqual(rnn.prunableUnits(20).inputs.removed, [], 'a higher threshold keeps everything');
    });

    it('frozen masks: hard masks while training, no KL, gate parameters not trainable', () => {
      const { m, rnn } = model('lstm', { inputBottleneck: true, klFac: 1 });
      const before = rnn.trainableWeights.length;
      rnn.setFrozenMask(true);
      assert.equal(rnn.trainableWeights.length, 3);
      assert.ok(before > 3);
      assert.equal(m.calculateLosses()[0].dataSync()[0], 0);
      const x = tf.randomNormal([2, T, F]);
      assertClose(m.apply(x, { training: true }) as tf.Tensor, m.apply(x, { training: true }) as tf.Tensor, 0, 'no noise');
    });

    it('rejects bad configs with messages naming the option', () => {
      const cases: Array<[Partial<VIBLSTMArgs>, string]> = [
        [{ units: 0 }, 'units'],
        [{ units: 2.5 }, 'units'],
        [{ klMult: -1 }, 'klMult'],
        [{ projection: 'tensor-banana' }, 'projection'],
        [{ dropout: 1 }, 'dropout'],
        [{ recurrentActivation: 'sigmod' }, 'recurrentActivation'],
        [{ gateBottleneck: ['i', 'x'] }, 'gateBottleneck'],
        [{ stateful: true }, 'stateful'],
      ];
      for (const Layer of [VIBLSTM, VIBGRU]) {
        for (const [args, option] of cases) {
          assert.throws(
            () => new Layer({ units: 3, ...args }),
            (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === option && e.message.includes(option),
            `${Layer.className} ${option}`,
          );
        }
        assert.throws(
          () => new Layer({ units: 3 }).apply(tf.ones([2, 3])),
          (e: unknown) => InvalidArgumentError.isInstance(e) && /3D/.test(e.message),
          'wrong input rank',
        );
      }
    });
  });
}

describe('layer losses', () => {
  it('keeps addLoss on the layer working next to the cell losses', async () => {
    await useBackend('cpu');
    const { m, rnn } = model('lstm', { klFac: 0.01 });
    const before = m.calculateLosses().length;
    rnn.addLoss(() => tf.scalar(5));
    const losses = m.calculateLosses();
    assert.equal(losses.length, before + 1);
    assert.ok(losses.some((l) => l.dataSync()[0] === 5));
  });
});
