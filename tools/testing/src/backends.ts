import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export type TestBackend = 'cpu' | 'wasm';

/**
 * Backends every layer must pass on. `TFJS_TEST_BACKENDS=cpu` narrows the
 * list when iterating on one backend locally.
 */
export const TEST_BACKENDS: readonly TestBackend[] = (process.env.TFJS_TEST_BACKENDS
  ? process.env.TFJS_TEST_BACKENDS.split(',')
  : ['cpu', 'wasm']) as TestBackend[];

/** Switches the global backend, failing loudly if it cannot start. */
export async function useBackend(name: TestBackend): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`could not start tfjs backend '${name}'`);
  }
  await tf.ready();
}
