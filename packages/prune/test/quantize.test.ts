import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { TEST_BACKENDS, assertClose, tempDir, useBackend } from '@tfjs-compress/testing';
import { quantize } from '../src/index.js';
import { fileSystemHandler, saveQuantized } from '../src/node.js';
import { toFloat16Bits } from '../src/quantize.js';

/** tfjs's own dequantization of float16 bit patterns (what tf.loadLayersModel applies). */
function decodeHalves(bits: Uint16Array): Float32Array {
  const spec = { name: 'w', shape: [bits.length], dtype: 'float32' as const, quantization: { dtype: 'float16' as const } };
  const decoded = tf.io.decodeWeights(bits.buffer as ArrayBuffer, [spec]).w;
  const values = decoded.dataSync() as Float32Array;
  decoded.dispose();
  return values;
}

/**
 * LSTM -> Dense as a compact model has it: a zeroed kernel row (a pruned
 * input), zero biases, and gates pinned shut by -1e4 biases.
 */
function lstmModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.lstm({ units: 12, inputShape: [5, 7], recurrentInitializer: 'glorotUniform', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const [kernel, recurrent, bias, ...rest] = model.getWeights();
  const rowKeep = tf.tensor2d([[1], [1], [0], [1], [1], [1], [1]]);
  const pinned = bias.dataSync().slice();
  // A fifth of the gates pinned, as when several kept units have a closed forget gate.
  for (let k = 0; k < pinned.length; k++) pinned[k] = k % 5 === 3 ? -1e4 : 0.01 * (k % 7) - 0.03;
  model.setWeights([tf.mul(kernel, rowKeep), recurrent, tf.tensor1d(pinned), ...rest]);
  return model;
}

describe('toFloat16Bits', () => {
  before(() => useBackend('cpu'));

  it('rounds to the nearest half (ties to even), over the whole range, as tfjs decodes it', () => {
    const all = decodeHalves(Uint16Array.from({ length: 65536 }, (_, i) => i));
    // Every finite half encodes back to itself.
    for (let bits = 0; bits < 65536; bits++) {
      if (Number.isFinite(all[bits]) && bits !== 0x8000) assert.equal(toFloat16Bits(all[bits]), bits, `half 0x${bits.toString(16)}`);
    }
    // Between two neighbouring positive halves: below the midpoint, above it, and on it (to the even one).
    for (let bits = 1; bits < 0x7bff; bits += 97) {
      const [lo, hi] = [all[bits], all[bits + 1]];
      const mid = (lo + hi) / 2;
      if (Math.fround(mid) !== mid) continue;
      assert.equal(toFloat16Bits(lo + (hi - lo) * 0.25), bits);
      assert.equal(toFloat16Bits(lo + (hi - lo) * 0.75), bits + 1);
      assert.equal(toFloat16Bits(mid), bits % 2 === 0 ? bits : bits + 1, `tie at 0x${bits.toString(16)}`);
    }
    assert.equal(toFloat16Bits(65520), 0x7c00, 'past the largest half: infinity');
    assert.equal(toFloat16Bits(-1e9), 0xfc00);
    assert.equal(toFloat16Bits(1e-9), 0, 'below half the smallest subnormal: 0');
    assert.ok(Number.isNaN(decodeHalves(Uint16Array.of(toFloat16Bits(Number.NaN)))[0]));
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`quantize (${backend})`, () => {
    before(() => useBackend(backend));

    for (const [dtype, ratio, tolerance] of [
      ['uint8', 4, 2e-2],
      ['uint16', 2, 1e-4],
      ['float16', 2, 2e-3],
    ] as const) {
      it(`${dtype}: plain tf.loadLayersModel reads it, ${ratio}x fewer weight bytes, zeros stay exactly 0`, async () => {
        const model = lstmModel();
        const result = await quantize(model, { dtype });
        const { artifacts, bytesBefore, bytesAfter } = result;
        const biasBytes = 4 * 12 * 4;
        assert.equal(bytesAfter, (bytesBefore - biasBytes) / ratio + biasBytes / 2);
        // The LSTM bias holds a -1e4 outlier: one affine step would wipe out the other biases, so it is float16.
        const fallback = dtype === 'float16' ? [] : [artifacts.weightSpecs![2].name];
        assert.deepEqual(result.float16Fallbacks, fallback);
        artifacts.weightSpecs!.forEach((s) => assert.equal(s.quantization?.dtype, fallback.includes(s.name) ? 'float16' : dtype));
        const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
        const original = model.getWeights();
        loaded.getWeights().forEach((w, i) => {
          const values = w.dataSync();
          const expected = original[i].dataSync();
          // Per weight: within half a level of the range (uint) or a half's relative precision (float16).
          let range = 0;
          for (const v of expected) range = Math.max(range, Math.abs(v));
          const half = artifacts.weightSpecs![i].quantization!.dtype === 'float16';
          expected.forEach((v, j) => {
            const bound = half ? 5e-4 * Math.abs(v) + 1e-7 : (2 * range) / (dtype === 'uint8' ? 255 : 65535);
            assert.ok(Math.abs(values[j] - v) <= bound, `${artifacts.weightSpecs![i].name}[${j}]: ${values[j]} vs ${v}`);
            if (v === 0 || v === -1e4) assert.ok(values[j] === v, `a zero weight, and the -1e4 pin, stay exact (${values[j]})`);
          });
        });
        const x = tf.randomNormal([4, 5, 7], 0, 1, 'float32', 3);
        assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, tolerance, `${dtype} predictions`);
        tf.dispose(x);
        loaded.dispose();
        model.dispose();
      });
    }

    it('saveQuantized writes a folder that loads with the file handler; bad dtypes are named', async () => {
      const model = lstmModel();
      const dir = tempDir('quantize-');
      const result = await saveQuantized(model, dir, { dtype: 'uint8' });
      const fromFiles = await tfl.loadLayersModel(fileSystemHandler(dir));
      const fromMemory = await tfl.loadLayersModel(tf.io.fromMemory(result.artifacts));
      const x = tf.randomNormal([2, 5, 7], 0, 1, 'float32', 4);
      assertClose(fromFiles.predict(x) as tf.Tensor, fromMemory.predict(x) as tf.Tensor, 0, 'the same weights from disk');
      await assert.rejects(quantize(model, { dtype: 'int4' as 'uint8' }), (e) => InvalidArgumentError.isInstance(e) && e.option === 'dtype');
      tf.dispose(x);
      for (const m of [model, fromFiles, fromMemory]) m.dispose();
    });
  });
}
