import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { findRecurrentLayer } from '@tfjs-compress/app-kit';
import { compact } from '@tfjs-compress/prune';
import { assertNoLeak, TEST_BACKENDS, useBackend, maxAbsDiff, namesOption } from '@tfjs-compress/testing';
import { isGateWeight } from '@tfjs-compress/vib';
import { mulberry32 } from '@tfjs-compress/video';
import { buildCnnLstmModel } from '../src/cnn-lstm-model.js';
import { compactLstmRunner } from '../src/compact-lstm-runner.js';

const FRAMES = 3;
const FEATURES = 12;
const UNITS = 6;
const CLASSES = 4;

const values = (count: number, seed: number, scale: number) => {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: count }, () => (2 * rng.next() - 1) * scale);
};

/** A VIB CNN-LSTM with seeded weights and gates that close some inputs and units, compacted. */
function compacted(seed: number, dropout: number) {
  const vib = buildCnnLstmModel({ frames: FRAMES, features: FEATURES, units: UNITS, classes: CLASSES, dropout, klFac: 0, klMult: 1, seed });
  let i = 0;
  for (const layer of vib.layers) {
    for (const weight of layer.weights) {
      if (isGateWeight(weight)) continue;
      const shape = weight.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      let v = values(size, seed * 1000 + i++, 0.8);
      if (weight.name.includes('variance')) v = v.map((x) => Math.abs(x) + 0.5);
      tf.tidy(() => {
        weight.write(tf.tensor(v, shape));
      });
    }
  }
  const layer = findRecurrentLayer(vib)!;
  for (const [g, gate] of layer.vibGates.entries()) {
    // Every third input and every second unit closed; the kept ones with mu != 1.
    const logD = Float32Array.from({ length: gate.size }, (_, k) => (k % (gate === layer.cell.inputGate ? 3 : 2) === 1 ? 10 : -9));
    tf.tidy(() => {
      gate.mu.write(tf.tensor1d(values(gate.size, seed + 50 + g, 0.3).map((x) => 1 + x)));
      gate.logD.write(tf.tensor1d(logD));
    });
  }
  const result = compact(vib, { allowSoftGates: true });
  return { vib, model: result.model, keptInputs: result.keptInputs };
}


for (const backend of TEST_BACKENDS) {
  describe(`compactLstmRunner (${backend})`, () => {
    before(() => useBackend(backend));

    it('the fused path equals model.predict on the compacted CNN-LSTM (1e-5), without leaks', async () => {
      for (const [seed, dropout] of [[1, 0], [2, 0.3]] as const) {
        const { vib, model, keptInputs } = compacted(seed, dropout);
        assert.equal(keptInputs.length, 8, 'every third of 12 inputs closed');
        const fused = compactLstmRunner(model, keptInputs, { frames: FRAMES, features: FEATURES });
        const layers = compactLstmRunner(model, keptInputs, { frames: FRAMES, features: FEATURES, layersOnly: true });
        assert.deepEqual([fused.engine, fused.fallbackReason, layers.engine], ['fused', null, 'layers']);
        for (let clip = 0; clip < 3; clip++) {
          const features = values(FRAMES * FEATURES, 100 * seed + clip, 2);
          const got = fused.run(features);
          const expected = layers.run(features);
          assert.ok(maxAbsDiff(got, expected) < 1e-5, `seed ${seed} clip ${clip}: ${maxAbsDiff(got, expected)}`);
          assert.ok(Math.max(...got) - Math.min(...got) > 1e-3, 'probabilities are not flat');
        }
        const features = values(FRAMES * FEATURES, 7, 1);
        await assertNoLeak(() => fused.run(features), 3, 'fused');
        await assertNoLeak(() => layers.run(features), 3, 'layers');
        vib.dispose();
        model.dispose();
      }
    });

    it('falls back to model.predict when CompactForward cannot run the model, and checks its input', () => {
      const gru = tfl.sequential({ layers: [tfl.layers.gru({ units: 2, recurrentInitializer: 'glorotUniform', inputShape: [FRAMES, 2] }), tfl.layers.dense({ units: 2, activation: 'softmax' })] });
      const runner = compactLstmRunner(gru, [4, 0], { frames: FRAMES, features: FEATURES });
      assert.equal(runner.engine, 'layers');
      assert.match(runner.fallbackReason ?? '', /LSTM/);
      const features = values(FRAMES * FEATURES, 3, 1);
      const picked = Float32Array.from({ length: FRAMES * 2 }, (_, i) => features[Math.floor(i / 2) * FEATURES + [4, 0][i % 2]]);
      const expected = tf.tidy(() => (gru.predict(tf.tensor3d(picked, [1, FRAMES, 2])) as tf.Tensor).dataSync() as Float32Array);
      assert.ok(maxAbsDiff(runner.run(features), expected) < 1e-6, 'kept inputs gathered in order');
      assert.throws(() => runner.run(new Float32Array(FEATURES)), namesOption('features'));
      assert.throws(() => compactLstmRunner(gru, [FEATURES], { frames: FRAMES, features: FEATURES }), namesOption('keptInputs'));
      assert.throws(() => compactLstmRunner(gru, [0], { frames: 0, features: FEATURES }), namesOption('frames'));
      gru.dispose();
    });
  });
}
