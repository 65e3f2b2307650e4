import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { TrainingDivergedError } from '@tfjs-compress/train';
import { tempDir, useBackend } from '@tfjs-compress/testing';
import { CHECKPOINT_DIR, fixedRamp, loadCheckpoint, runTraining, type BatchSource, type TrainingSessionOptions } from '../src/index.js';
import { pulseSession, pulseTask, smallVibModel } from './helpers.js';

/** `source` with the inputs of batch `batch` of epoch `epoch` (1-based) turned to NaN. */
function poisoned(source: BatchSource, epoch: number, batch: number): BatchSource {
  return {
    batchesPerEpoch: source.batchesPerEpoch,
    async *batches(e: number) {
      let b = 0;
      for await (const item of source.batches(e)) {
        if (e === epoch && b === batch) {
          const nan = tf.mul(item.xs, Number.NaN);
          item.xs.dispose();
          yield { ...item, xs: nan };
        } else yield item;
        b++;
      }
    },
  };
}

describe('runTraining when the loss diverges', () => {
  before(() => useBackend('cpu'));

  it('stops at the step with a message naming epoch and batch, keeps the last good checkpoint, and --resume goes on from it', async () => {
    const task = pulseTask(64, 4, 6, 2, 1);
    const testTask = pulseTask(32, 4, 6, 2, 9);
    const out = tempDir('app-kit-diverge-');
    const options = (train?: BatchSource): TrainingSessionOptions => {
      const base = pulseSession(task, testTask, { outDir: out, epochs: { vib: 4 }, buildModel: () => smallVibModel(task, 4, 3), schedule: fixedRamp(1e-3, 0, 2) });
      return { ...base, ...(train ? { train } : {}) };
    };
    const clean = options().train;
    await assert.rejects(runTraining(options(poisoned(clean, 3, 2))), (error) => {
      assert.ok(TrainingDivergedError.isInstance(error), String(error));
      assert.deepEqual([error.epoch, error.batch], [3, 2]);
      assert.match(error.message, /epoch 3, batch 2/);
      assert.match(error.message, /2 epochs done/);
      return true;
    });
    const saved = await loadCheckpoint<{ completedEpochs: number }>(join(out, CHECKPOINT_DIR));
    assert.equal(saved.state.completedEpochs, 2, 'the diverged epoch wrote nothing');
    for (const w of saved.model.getWeights()) assert.ok(w.dataSync().every(Number.isFinite), 'the checkpoint holds no NaN');
    saved.model.dispose();
    const resumed = await runTraining({ ...options(), resume: true });
    assert.equal(resumed.resumedFrom, 2);
    assert.equal(resumed.history.length, 4);
    assert.ok(resumed.history.every((r) => Number.isFinite(r.loss)));
    resumed.model.dispose();
  });
});
