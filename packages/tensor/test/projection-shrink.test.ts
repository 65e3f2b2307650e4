import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { TEST_BACKENDS, assertClose, assertNoLeak, saveAndLoad, useBackend } from '@tfjs-compress/testing';
import { VIBGRU, VIBLSTM, type VIBLSTMArgs, type VIBRecurrentLayer } from '@tfjs-compress/vib-rnn';
import { compact } from '@tfjs-compress/prune';
import { vibCallback, vibOptimizer } from '@tfjs-compress/train';
import { FactorizedProjection, TRProjection, TTProjection, type TensorizedProjection } from '../src/index.js';

const T = 5;
const F = 12;
const H = 8;
const PLAN = { inputs: [1, 4, 7, 11], units: [0, 3, 5] };

const FORMATS = {
  'tensor-train': () => new TTProjection({ inShape: [3, 4], ranks: 3, seed: 5 }),
  'tensor-ring': () => new TRProjection({ inShape: [3, 4], ranks: 2, seed: 5 }),
  'block-term': () => new FactorizedProjection({ format: 'block-term', inShape: [3, 4], ranks: 2, seed: 5 }),
} as const;
type FormatName = keyof typeof FORMATS;

/** Two identical models (same seeds): one to shrink in place, one to silence the same plan at full size. */
function twins(kind: 'lstm' | 'gru', format: FormatName, args: Partial<VIBLSTMArgs> = {}) {
  const build = () => {
    const Layer = kind === 'lstm' ? VIBLSTM : VIBGRU;
    const rnn: VIBRecurrentLayer = new Layer({ units: H, inputShape: [T, F], seed: 3, inputBottleneck: true, dropout: 0.1, projection: FORMATS[format](), ...args });
    const head = tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) });
    const m = tfl.sequential({ layers: [rnn, head] });
    m.predict(tf.zeros([1, T, F]));
    return { m, rnn };
  };
  return { shrunk: build(), silenced: build() };
}

const coresOf = (rnn: VIBRecurrentLayer) => rnn.cell.projection.weights.map((w) => w.read() as tf.Variable);

function setHard(...layers: VIBRecurrentLayer[]) {
  for (const layer of layers) for (const gate of layer.vibGates) gate.settings.inferenceMode = 'hard';
}

for (const backend of TEST_BACKENDS) {
  describe(`a factorised projection shrunk in place (${backend})`, () => {
    before(() => useBackend(backend));

    for (const format of Object.keys(FORMATS) as FormatName[]) {
      for (const kind of ['lstm', 'gru'] as const) {
        it(`${format} ${kind}: computes what silencing the same plan computes, in training and at inference; the cores keep their shapes and get the same gradients`, () => {
          const { shrunk, silenced } = twins(kind, format);
          const G = shrunk.rnn.cell.gateCount;
          const coreShapes = coresOf(shrunk.rnn).map((c) => c.shape);
          const slices = shrunk.rnn.shrinkInPlace(PLAN);
          silenced.rnn.silence(PLAN);
          assert.deepEqual(coresOf(shrunk.rnn).map((c) => c.shape), coreShapes, 'the cores are not sliced');
          assert.deepEqual(shrunk.rnn.cell.recurrentKernel!.shape, [H - 3, G * (H - 3)], 'the recurrent kernel is');
          assert.deepEqual(slices.map((s) => s.variable.name.split('/').pop()), ['recurrent_kernel', 'bias']);
          const x = tf.randomNormal([3, T, F], 0, 1, 'float32', 7);
          for (const mode of ['hard', 'weighted'] as const) {
            for (const m of [shrunk, silenced]) for (const gate of m.rnn.vibGates) gate.settings.inferenceMode = mode;
            assertClose(shrunk.m.predict(x) as tf.Tensor, silenced.m.predict(x) as tf.Tensor, 1e-5, `${mode} predictions`);
          }
          const lossOf = (m: tfl.LayersModel, rnn: VIBRecurrentLayer) => () => {
            rnn.resetNoise();
            return tf.sum(tf.square(m.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
          };
          const gShrunk = tf.variableGrads(lossOf(shrunk.m, shrunk.rnn), coresOf(shrunk.rnn));
          const gSilenced = tf.variableGrads(lossOf(silenced.m, silenced.rnn), coresOf(silenced.rnn));
          assertClose(gShrunk.value, gSilenced.value, 1e-5, 'training loss (same noise and dropout draws)');
          coresOf(shrunk.rnn).forEach((core, k) => {
            assertClose(gShrunk.grads[core.name], gSilenced.grads[coresOf(silenced.rnn)[k].name], 1e-5, `gradient of core ${k}`);
          });
        });
      }

      it(`${format}: a second shrink composes, plainWeights read 0 where removed, it saves and loads shrunk, and expandInPlace restores the full view`, async () => {
        const { shrunk, silenced } = twins('lstm', format);
        const more = { inputs: [4, 8], units: [3, 6] };
        shrunk.rnn.shrinkInPlace(PLAN);
        shrunk.rnn.shrinkInPlace(more);
        silenced.rnn.silence(PLAN);
        silenced.rnn.silence(more);
        setHard(shrunk.rnn, silenced.rnn);
        const projection = shrunk.rnn.cell.projection as TensorizedProjection;
        assert.deepEqual(projection.getConfig().rowMap, [0, 2, 3, 5, 6, 9, 10]);
        const [kernel] = shrunk.rnn.plainWeights();
        assert.deepEqual(kernel.shape, [F, 4 * H]);
        assert.equal(tf.sum(tf.abs(tf.gather(kernel, [1, 4, 7, 8, 11]))).dataSync()[0], 0, 'removed input rows read 0');
        const x = tf.randomNormal([2, T, F], 0, 1, 'float32', 8);
        const before = shrunk.m.predict(x) as tf.Tensor;
        assertClose(before, silenced.m.predict(x) as tf.Tensor, 1e-5, 'twice shrunk vs silenced');
        const loaded = await saveAndLoad(shrunk.m);
        const restored = loaded.layers[0] as VIBRecurrentLayer;
        assert.deepEqual(restored.liveIndices, shrunk.rnn.liveIndices);
        setHard(restored);
        assertClose(loaded.predict(x) as tf.Tensor, before, 1e-6, 'loaded predictions');
        shrunk.rnn.expandInPlace();
        assert.deepEqual(shrunk.rnn.liveIndices, { inputs: null, units: null });
        assertClose(shrunk.m.predict(x) as tf.Tensor, before, 1e-6, 'expanded predictions (removed rows and columns read 0)');
        const full = await saveAndLoad(shrunk.m);
        setHard(full.layers[0] as VIBRecurrentLayer);
        assertClose(full.predict(x) as tf.Tensor, before, 1e-6, 'expanded, saved and loaded');
      });
    }

    it('names a saved map that does not fit, and leaks nothing over repeated steps', async () => {
      const bad = (rowMap: unknown) => () =>
        new VIBLSTM({ units: 2, inputShape: [T, 4], projection: new TTProjection({ inShape: [2, 2], outShape: [4, 2], ranks: 2, rowMap: rowMap as number[] }) }).apply(
          tfl.input({ shape: [T, 4] }),
        );
      assert.throws(bad([0, 2, 1, 3]), (e) => InvalidArgumentError.isInstance(e) && e.option === 'projection.rowMap' && /ascending/.test(e.message));
      assert.throws(bad([0, 1, 2]), (e) => InvalidArgumentError.isInstance(e) && e.option === 'projection.rowMap' && /3 entries/.test(e.message));
      assert.throws(bad([-1, -1, -1, -1]), (e) => InvalidArgumentError.isInstance(e) && e.option === 'projection.rowMap');
      const { shrunk } = twins('gru', 'tensor-ring');
      shrunk.rnn.shrinkInPlace(PLAN);
      const x = tf.randomNormal([2, T, F]);
      await assertNoLeak(() => tf.dispose(shrunk.rnn.apply(x, { training: true }) as tf.Tensor), 3, 'training call');
      await assertNoLeak(() => tf.dispose(shrunk.rnn.plainWeights()), 2, 'plainWeights');
    });
  });
}

/** Gaussian sequences [samples, 8, 16] whose class is which of 4 features sums highest: 12 features are noise. */
function summedTask(samples: number, seed: number) {
  return tf.tidy(() => {
    const x = tf.randomNormal([samples, 8, 16], 0, 1, 'float32', seed) as tf.Tensor3D;
    const y = tf.argMax(tf.sum(tf.gather(x, [1, 6, 10, 13], 2), 1), 1);
    return { x, oneHot: tf.oneHot(y as tf.Tensor1D, 4) as tf.Tensor2D };
  });
}

describe('vibCallback({shrink}) with a tensor-train projection in model.fit', () => {
  before(() => useBackend(TEST_BACKENDS.includes('wasm') ? 'wasm' : TEST_BACKENDS[0]));

  it('removes inputs and units in place during fit (the cores stay), and compact predicts what the shrunk model predicts', async () => {
    const train = summedTask(512, 1);
    const rnn = new VIBLSTM({ units: 16, inputShape: [8, 16], inputBottleneck: true, seed: 1, projection: new TTProjection({ inShape: [4, 4], ranks: 4, seed: 2 }) });
    const model = tfl.sequential({ layers: [rnn, tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })] });
    model.compile({ optimizer: vibOptimizer({ lr: 1e-2 }), loss: 'categoricalCrossentropy' });
    const coreShapes = rnn.cell.projection.weights.map((w) => w.shape);
    const history = await model.fit(train.x, train.oneHot, { batchSize: 32, epochs: 10, shuffle: false, verbose: 0, callbacks: [vibCallback({ targetCompression: 8, shrink: true })] });
    const live = rnn.liveIndices;
    assert.ok(live.inputs != null && live.inputs.length < 16, `inputs removed in place (${live.inputs?.length} live)`);
    assert.equal((history.history.removedInputs as number[]).at(-1), 16 - live.inputs!.length, 'logs count what was removed');
    assert.deepEqual(rnn.cell.projection.weights.map((w) => w.shape), coreShapes);
    const validation = summedTask(256, 2);
    const expected = model.predict(validation.x) as tf.Tensor;
    const small = compact(model);
    assertClose(small.model.predict(tf.gather(validation.x, small.keptInputs, 2)) as tf.Tensor, expected, 1e-5, 'compact of the shrunk model');
    const loaded = await saveAndLoad(model);
    assertClose(loaded.predict(validation.x) as tf.Tensor, expected, 1e-5, 'the shrunk model saved and loaded');
    small.model.dispose();
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([expected, train.x, train.oneHot, validation.x, validation.oneHot]);
  });
});
