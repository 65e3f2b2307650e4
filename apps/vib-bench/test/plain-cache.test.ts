import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, useBackend } from '@tfjs-compress/testing';
import { plainLstmModel } from '../src/models.js';
import { loadPlainWeights, savePlainWeights } from '../src/plain-cache.js';

const shape = { steps: 3, features: 4, units: 5, classes: 2, seed: 1 };

for (const backend of TEST_BACKENDS) {
  describe(`plain weight cache on ${backend}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'vib-bench-cache-'));
    before(() => useBackend(backend));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('round-trips the weights exactly and refuses a stale key or a missing file', () => {
      const file = join(dir, 'plain.json');
      const trained = plainLstmModel(shape);
      const other = plainLstmModel({ ...shape, seed: 7 });
      const start = tf.memory().numTensors;
      assert.equal(loadPlainWeights(other, file, 'k'), false, 'no file yet');
      savePlainWeights(trained, file, 'k');
      assert.equal(loadPlainWeights(other, file, 'another key'), false);
      assert.notDeepEqual(Array.from(other.getWeights()[0].dataSync()), Array.from(trained.getWeights()[0].dataSync()));
      assert.equal(loadPlainWeights(other, file, 'k'), true);
      trained.getWeights().forEach((w, i) => assert.deepEqual(Array.from(other.getWeights()[i].dataSync()), Array.from(w.dataSync())));
      assert.equal(tf.memory().numTensors, start, 'tensors leaked');
      const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 3);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(trained.predict(x) as tf.Tensor, other.predict(x) as tf.Tensor))).dataSync()[0]);
      assert.equal(diff, 0);
      x.dispose();
      trained.dispose();
      other.dispose();
    });
  });
}
