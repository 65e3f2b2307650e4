import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { patchWasmGather, patchWasmMatMul, registerWasmSegmentSum } from '@tfjs-compress/runtime';
import { useBackend } from '@tfjs-compress/testing';
import { VIBTrainer } from '@tfjs-compress/vib';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { WASM_HEAP_BYTES, assertStepFitsWasm, estimateStepBytes, isWasmOutOfMemory, type StepShape } from '../src/wasm-memory.js';

/** The wasm heap's size after two training steps of `shape` (it only grows: its high-water mark). */
function heapAfterSteps(shape: StepShape): number {
  const rnn = new VIBLSTM({ units: shape.units, inputShape: [shape.steps, shape.features], inputBottleneck: true, seed: 1 });
  const model = tfl.sequential({ layers: [rnn, tfl.layers.dense({ units: 3, activation: 'softmax' })] });
  const trainer = new VIBTrainer(model, { lr: 1e-3 });
  const [x, y] = tf.tidy(() => [tf.randomNormal([shape.batch, shape.steps, shape.features]), tf.oneHot(tf.tensor1d(Array.from({ length: shape.batch }, (_, i) => i % 3), 'int32'), 3)]);
  trainer.trainOnBatch(x, y);
  trainer.trainOnBatch(x, y);
  const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  tf.dispose([x, y]);
  trainer.dispose();
  model.dispose();
  return heap;
}

describe('wasm memory estimate', () => {
  it('is above the measured heap of a training step, and not far above it', async () => {
    patchWasmMatMul();
    patchWasmGather();
    registerWasmSegmentSum();
    await useBackend('wasm');
    // Ascending sizes: the heap never shrinks, so each measurement is that step's high-water mark.
    for (const shape of [{ batch: 8, steps: 16, features: 256, units: 256 }, { batch: 4, steps: 32, features: 512, units: 512 }]) {
      const measured = heapAfterSteps(shape);
      const estimate = estimateStepBytes(shape);
      assert.ok(estimate >= measured, `${JSON.stringify(shape)}: estimate ${estimate} below the measured ${measured}`);
      assert.ok(estimate <= 1.6 * measured, `${JSON.stringify(shape)}: estimate ${estimate} over 1.6x the measured ${measured}`);
    }
  });

  it('stops a step that cannot fit before it runs, naming the shape, the estimate and the flags', () => {
    const paper = { batch: 32, steps: 32, features: 2048, units: 2048 };
    assert.ok(estimateStepBytes(paper) > WASM_HEAP_BYTES);
    assert.throws(() => assertStepFitsWasm(paper, 'wasm', '--frames (32)'), /\[32 clips, 32 frames, 2048 features\] -> 2048 units needs about 6\.4 GiB on the wasm backend.*lower --frames \(32\)/);
    assertStepFitsWasm(paper, 'tensorflow', '--frames (32)');
    assertStepFitsWasm({ ...paper, steps: 8 }, 'wasm', '--frames (8)');
    assert.ok(isWasmOutOfMemory(new Error('RuntimeError: memory access out of bounds')));
    assert.ok(!isWasmOutOfMemory(new Error('Invalid root')));
  });
});
