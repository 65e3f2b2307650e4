import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { TEST_BACKENDS, assertClose, assertNoLeak, saveAndLoad, useBackend } from '@tfjs-compress/testing';
import { VIBGRU, VIBLSTM, type VIBLSTMArgs, type VIBRecurrentLayer } from '../src/index.js';

const T = 5;
const F = 12;
const H = 8;
const PLAN = { inputs: [1, 4, 7, 11], units: [0, 3, 5] };

/** Two identical models (same seeds): one to shrink in place, one to silence the same plan at full size. */
function twins(kind: 'lstm' | 'gru', args: Partial<VIBLSTMArgs> = {}) {
  const build = () => {
    const Layer = kind === 'lstm' ? VIBLSTM : VIBGRU;
    const rnn: VIBRecurrentLayer = new Layer({ units: H, inputShape: [T, F], seed: 3, inputBottleneck: true, dropout: 0.1, recurrentDropout: 0.2, ...args });
    const layers: tfl.layers.Layer[] = [rnn];
    if (args.returnSequences) layers.push(tfl.layers.flatten());
    layers.push(tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
    const m = tfl.sequential({ layers });
    m.predict(tf.zeros([1, T, F]));
    return { m, rnn };
  };
  return { shrunk: build(), silenced: build() };
}

/** Outputs of both models for the same input, in training mode with the noise streams restarted. */
function trainingOutputs(a: VIBRecurrentLayer, b: VIBRecurrentLayer, x: tf.Tensor) {
  a.resetNoise();
  b.resetNoise();
  return [a.apply(x, { training: true }) as tf.Tensor, b.apply(x, { training: true }) as tf.Tensor];
}

for (const backend of TEST_BACKENDS) {
  describe(`shrinkInPlace (${backend})`, () => {
    before(() => useBackend(backend));

    for (const kind of ['lstm', 'gru'] as const) {
      for (const returnSequences of [false, true]) {
        it(`${kind}${returnSequences ? ' (sequences)' : ''}: computes what silencing the same plan computes, in training (noise, dropout) and at inference, with gradients to match`, () => {
          const { shrunk, silenced } = twins(kind, { returnSequences });
          const G = shrunk.rnn.cell.gateCount;
          const slices = shrunk.rnn.shrinkInPlace(PLAN);
          silenced.rnn.silence(PLAN);
          // Same layer, same input and output shapes; smaller weights.
          assert.deepEqual(shrunk.rnn.cell.projection.weights[0].shape, [F - 4, G * (H - 3)]);
          assert.deepEqual(shrunk.rnn.cell.recurrentKernel!.shape, [H - 3, G * (H - 3)]);
          assert.deepEqual(shrunk.rnn.cell.bias!.shape, [G * (H - 3)]);
          assert.equal(slices.length, 3);
          assert.deepEqual(shrunk.rnn.liveIndices, { inputs: [0, 2, 3, 5, 6, 8, 9, 10], units: [1, 2, 4, 6, 7] });
          const x = tf.randomNormal([3, T, F], 0, 1, 'float32', 7);
          for (const mode of ['hard', 'weighted'] as const) {
            for (const m of [shrunk, silenced]) for (const gate of m.rnn.vibGates) gate.settings.inferenceMode = mode;
            assertClose(shrunk.m.predict(x) as tf.Tensor, silenced.m.predict(x) as tf.Tensor, 1e-5, `${mode} predictions`);
          }
          const [a, b] = trainingOutputs(shrunk.rnn, silenced.rnn, x);
          assert.deepEqual(a.shape, b.shape);
          assertClose(a, b, 1e-5, 'training outputs (same noise and dropout draws)');
          // Gradients of the live weights are the silenced model's, sliced the same way.
          const lossOf = (m: tfl.LayersModel, rnn: VIBRecurrentLayer) => () => {
            rnn.resetNoise();
            return tf.sum(tf.square(m.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
          };
          const kernels = (rnn: VIBRecurrentLayer) => [rnn.cell.projection.weights[0], rnn.cell.recurrentKernel!, rnn.cell.bias!].map((w) => w.read() as tf.Variable);
          const gShrunk = tf.variableGrads(lossOf(shrunk.m, shrunk.rnn), kernels(shrunk.rnn));
          const gSilenced = tf.variableGrads(lossOf(silenced.m, silenced.rnn), kernels(silenced.rnn));
          slices.forEach(({ variable, indices }, i) => {
            const full = gSilenced.grads[kernels(silenced.rnn)[i].name];
            const sliced = indices.reduce<tf.Tensor>((t, list, axis) => (list ? tf.gather(t, list, axis) : t), full);
            assertClose(gShrunk.grads[(variable.read() as tf.Variable).name], sliced, 1e-5, `gradient of ${variable.name}`);
          });
          assertClose(gShrunk.value, gSilenced.value, 1e-5, 'loss');
        });
      }

      it(`${kind}: a second shrink composes (model-facing indices), plainWeights spread back with zeros, the layer saves and loads shrunk, and expandInPlace restores the full sizes`, async () => {
        const { shrunk, silenced } = twins(kind);
        shrunk.rnn.shrinkInPlace(PLAN);
        // Already-removed indices are ignored; new ones are model-facing.
        const more = { inputs: [4, 8], units: [3, 6] };
        shrunk.rnn.shrinkInPlace(more);
        silenced.rnn.silence(PLAN);
        silenced.rnn.silence(more);
        assert.deepEqual(shrunk.rnn.liveIndices, { inputs: [0, 2, 3, 5, 6, 9, 10], units: [1, 2, 4, 7] });
        assert.deepEqual(shrunk.rnn.prunableUnits(), silenced.rnn.prunableUnits());
        const [kernel, recurrent, bias] = shrunk.rnn.plainWeights();
        const G = shrunk.rnn.cell.gateCount;
        assert.deepEqual([kernel.shape, recurrent.shape, bias.shape], [[F, G * H], [H, G * H], [G * H]]);
        assert.equal(tf.sum(tf.abs(tf.gather(kernel, [1, 4, 7, 8, 11]))).dataSync()[0], 0, 'removed input rows read 0');
        assert.equal(tf.sum(tf.abs(tf.gather(recurrent, [0, 3, 5, 6]))).dataSync()[0], 0, 'removed unit rows read 0');
        // setPlainWeights takes the model-facing weights back: nothing changes.
        const x = tf.randomNormal([2, T, F], 0, 1, 'float32', 8);
        const before = shrunk.m.predict(x) as tf.Tensor;
        shrunk.rnn.setPlainWeights([kernel, recurrent, bias]);
        assertClose(shrunk.m.predict(x) as tf.Tensor, before, 1e-6, 'setPlainWeights(plainWeights())');
        assertClose(before, silenced.m.predict(x) as tf.Tensor, 1e-5, 'twice shrunk vs silenced');
        const loaded = await saveAndLoad(shrunk.m);
        const restored = loaded.layers[0] as VIBRecurrentLayer;
        assert.deepEqual(restored.liveIndices, shrunk.rnn.liveIndices);
        assert.deepEqual(restored.prunableUnits(), shrunk.rnn.prunableUnits());
        assertClose(loaded.predict(x) as tf.Tensor, before, 1e-6, 'loaded predictions');
        const [a, b] = trainingOutputs(restored, shrunk.rnn, x);
        assertClose(a, b, 1e-6, 'loaded training outputs (the silencing is restored from the config)');
        // Spread back to full size: the same predictions, and saved without the live lists.
        shrunk.rnn.expandInPlace();
        assert.deepEqual(shrunk.rnn.liveIndices, { inputs: null, units: null });
        assert.deepEqual(shrunk.rnn.cell.recurrentKernel!.shape, [H, G * H]);
        assertClose(shrunk.m.predict(x) as tf.Tensor, before, 1e-6, 'expanded predictions');
        assert.equal(shrunk.rnn.getConfig().keptInputs, undefined);
        for (const gate of [...shrunk.rnn.vibGates, ...silenced.rnn.vibGates]) gate.settings.inferenceMode = 'hard';
        const full = await saveAndLoad(shrunk.m);
        assertClose(full.predict(x) as tf.Tensor, silenced.m.predict(x) as tf.Tensor, 1e-5, 'expanded, saved and loaded vs silenced (hard masks)');
      });

      it(`${kind}: names a plan that would empty the layer, and leaks nothing over repeated steps`, async () => {
        const { shrunk } = twins(kind);
        assert.throws(
          () => shrunk.rnn.shrinkInPlace({ units: Array.from({ length: H }, (_, k) => k) }),
          (e) => InvalidArgumentError.isInstance(e) && e.option === 'plan.units',
        );
        assert.throws(
          () => shrunk.rnn.shrinkInPlace({ inputs: Array.from({ length: F }, (_, k) => k) }),
          (e) => InvalidArgumentError.isInstance(e) && e.option === 'plan.inputs',
        );
        assert.deepEqual(shrunk.rnn.liveIndices, { inputs: null, units: null }, 'a refused plan changes nothing');
        shrunk.rnn.shrinkInPlace(PLAN);
        const x = tf.randomNormal([2, T, F]);
        await assertNoLeak(() => tf.dispose(shrunk.rnn.apply(x, { training: true }) as tf.Tensor), 3, 'training call');
        await assertNoLeak(() => tf.dispose(shrunk.rnn.plainWeights()), 2, 'plainWeights');
        const count = tf.memory().numTensors;
        shrunk.rnn.shrinkInPlace({ inputs: [0], units: [1] });
        assert.equal(tf.memory().numTensors, count, 'a shrink replaces each variable and frees the old one');
      });
    }
  });
}
