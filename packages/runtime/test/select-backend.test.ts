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
