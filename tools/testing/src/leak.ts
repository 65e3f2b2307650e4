import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `step` once to warm up (optimizers create their slots lazily), then
 * `repeats` more times and asserts the live tensor count did not move.
 */
export async function assertNoLeak(step: () => unknown, repeats = 3, what = 'step'): Promise<void> {
  await step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < repeats; i++) await step();
  const after = tf.memory().numTensors;
  assert.equal(after, before, `${what} leaked ${after - before} tensors over ${repeats} repeats`);
}
