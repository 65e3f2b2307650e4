import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_CHOICES, BROWSER_BACKEND_CHOICES, describeBackend, selectBackend, type BackendChoice } from '../src/index.js';

describe('selectBackend in Node', () => {
  it("'auto' picks tfjs-node when installed, else wasm, and says why", async () => {
    const selected = await selectBackend('auto');
    assert.ok(['tensorflow', 'wasm'].includes(selected.name), selected.name);
    assert.equal(tf.getBackend(), selected.name);
    if (selected.name === 'wasm') assert.match(selected.reason, /@tensorflow\/tfjs-node is not installed/);
    assert.match(describeBackend(selected), new RegExp(`^backend: ${selected.name} \\(\\d+ threads?; `));
  });

  it('forces cpu', async () => {
    const selected = await selectBackend('cpu');
    assert.deepEqual([selected.name, selected.reason], ['cpu', 'requested']);
  });

  it('fails clearly for a GPU backend Node does not have, and for an unknown name', async () => {
    await assert.rejects(selectBackend('webgl'), /@tensorflow\/tfjs-backend-webgl is not installed|webgl failed to start/);
    await assert.rejects(selectBackend('gpu' as BackendChoice), /one of auto, tensorflow, wasm, cpu/);
  });

  it('lists the command-line choices apart from the page ones', () => {
    assert.deepEqual(BACKEND_CHOICES, ['auto', 'tensorflow', 'wasm', 'cpu']);
    assert.deepEqual(BROWSER_BACKEND_CHOICES, ['auto', 'webgpu', 'webgl', 'wasm', 'cpu']);
  });
});

/**
 * Registers a stand-in under the name 'webgpu' (the cpu backend and its
 * kernels, with `patch` applied), runs `body` as if in a page, and removes it.
 */
async function withStandInWebgpu(patch: (backend: tf.KernelBackend) => void, body: () => Promise<void>): Promise<void> {
  const env = tf.env();
  const wasBrowser = env.getBool('IS_BROWSER');
  const cpuFactory = tf.findBackendFactory('cpu');
  assert.ok(cpuFactory, 'the cpu backend is registered');
  const kernels = tf.getKernelsForBackend('cpu');
  for (const kernel of kernels) tf.registerKernel({ ...kernel, backendName: 'webgpu' });
  tf.registerBackend('webgpu', () => {
    const backend = cpuFactory() as tf.KernelBackend;
    patch(backend);
    return backend;
  }, 100);
  env.set('IS_BROWSER', true);
  try {
    await body();
  } finally {
    env.set('IS_BROWSER', wasBrowser);
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    for (const kernel of kernels) tf.unregisterKernel(kernel.kernelName, 'webgpu');
    await tf.setBackend('cpu');
  }
}

describe('selectBackend in a page whose GPU backend starts but cannot compute', () => {
  it('skips it for the next one and says why (a WebGPU adapter that loses its device at the first read-back)', async () => {
    await withStandInWebgpu(
      (backend) => (backend.read = () => Promise.reject(new Error("Failed to execute 'mapAsync' on 'GPUBuffer'"))),
      async () => {
        const selected = await selectBackend('auto');
        assert.notEqual(selected.name, 'webgpu');
        assert.match(selected.reason, /webgpu started but could not compute \(Failed to execute 'mapAsync' on 'GPUBuffer'\)/);
        assert.equal(tf.getBackend(), selected.name);
        assert.equal(tf.findBackend('webgpu'), null, 'the broken backend is removed');
      },
    );
  });

  it("'auto' skips a backend whose synchronous reads are wrong (a software WebGPU adapter); requested, it is used unchecked", async () => {
    // Headless Chromium's SwiftShader WebGPU computes and reads back with data(), while dataSync() gives zeros.
    const zeros = (backend: tf.KernelBackend) => {
      const readSync = backend.readSync.bind(backend);
      backend.read = async (dataId) => readSync(dataId);
      backend.readSync = (dataId) => new Float32Array((readSync(dataId) as Float32Array).length);
    };
    await withStandInWebgpu(zeros, async () => {
      const selected = await selectBackend('auto');
      assert.notEqual(selected.name, 'webgpu');
      assert.equal(selected.syncReads, true);
      assert.match(selected.reason, /webgpu computes but its synchronous reads fail \(dataSync\(\) of a 64x64 ones matMul's sum gave 0, not 262144\)/);
    });
    await withStandInWebgpu(zeros, async () => {
      const selected = await selectBackend('webgpu');
      assert.deepEqual([selected.name, selected.reason, selected.syncReads], ['webgpu', 'requested', null]);
    });
  });
});
