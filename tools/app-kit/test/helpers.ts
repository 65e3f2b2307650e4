import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import assert from 'node:assert/strict';
import { runTraining, type BatchSource, type EpochRecord, type TrainingSessionOptions } from '../src/index.js';

/**
 * A learnable sequence task held in plain arrays: class c shows as a pulse on
 * input feature 2c at a random step, the other features are noise. Seeded.
 */
export function pulseTask(samples: number, steps: number, features: number, classes: number, seed: number) {
  return tf.tidy(() => {
    const noise = tf.randomNormal([samples, steps, features], 0, 0.5, 'float32', seed).dataSync() as Float32Array;
    const u = tf.randomUniform([samples, 2], 0, 1, 'float32', seed + 1).dataSync();
    const labels = new Int32Array(samples);
    const x = Float32Array.from(noise);
    for (let n = 0; n < samples; n++) {
      labels[n] = Math.min(classes - 1, Math.floor(u[2 * n] * classes));
      const t = Math.min(steps - 1, Math.floor(u[2 * n + 1] * steps));
      x[(n * steps + t) * features + 2 * labels[n]] += 3;
    }
    return { x, labels, samples, steps, features, classes };
  });
}

export type PulseTask = ReturnType<typeof pulseTask>;

/** A BatchSource over a task: shuffled per epoch (seeded by the epoch), or in order. */
export function arraySource(task: PulseTask, batchSize: number, shuffle: boolean): BatchSource & { calls: number[] } {
  const { x, labels, samples, steps, features } = task;
  const calls: number[] = [];
  return {
    calls,
    batchesPerEpoch: Math.ceil(samples / batchSize),
    async *batches(epoch: number) {
      calls.push(epoch);
      const order = [...Array(samples).keys()];
      if (shuffle) {
        let s = epoch * 7919 + 13;
        for (let i = samples - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2147483648;
          const j = s % (i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
      }
      for (let start = 0; start < samples; start += batchSize) {
        const ids = order.slice(start, start + batchSize);
        const xb = new Float32Array(ids.length * steps * features);
        ids.forEach((id, k) => xb.set(x.subarray(id * steps * features, (id + 1) * steps * features), k * steps * features));
        const lb = Int32Array.from(ids, (id) => labels[id]);
        yield { xs: tf.tensor3d(xb, [ids.length, steps, features]), ys: tf.tensor1d(lb, 'int32'), labels: lb, size: ids.length };
      }
    },
  };
}

/** Input gate -> VIB-LSTM -> dropout -> dense -> BN -> ReLU -> softmax: the shape of the apps' models, small. */
export function smallVibModel(task: PulseTask, units: number, seed: number): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      new VIBLSTM({ units, inputShape: [task.steps, task.features], inputBottleneck: true, seed, klFac: 0 }),
      tfl.layers.dropout({ rate: 0.2, seed }),
      tfl.layers.dense({ units, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
      tfl.layers.batchNormalization({ momentum: 0.99 }),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.dense({ units: task.classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
}

/** A plain-LSTM model of the same shape (the pre-trained route's start). */
export function smallPlainModel(task: PulseTask, units: number, seed: number): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.lstm({
        units,
        inputShape: [task.steps, task.features],
        recurrentActivation: 'sigmoid',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
        recurrentInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }),
      }),
      tfl.layers.dense({ units: task.classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
}

/**
 * The runTraining options the session tests share: batches of 16 from `task`
 * (shuffled), all of `testTask` for evaluation, seed 5, lr 1e-2 / ibLr 5e-2,
 * no progress bars or log. `specific` adds what a test varies.
 */
export function pulseSession(
  task: PulseTask,
  testTask: PulseTask,
  specific: Pick<TrainingSessionOptions, 'outDir' | 'epochs' | 'buildModel' | 'schedule'> & Partial<TrainingSessionOptions>,
): TrainingSessionOptions {
  return {
    train: arraySource(task, 16, true),
    test: arraySource(testTask, 48, false),
    seed: 5,
    lr: 1e-2,
    ibLr: 5e-2,
    progress: false,
    log: () => undefined,
    ...specific,
  };
}

/** Thrown by `runUntilKilled`'s epoch hook. */
class Killed extends Error {}

/** Runs `options` as if the process were killed right after epoch `epochs` (its checkpoint written). */
export async function runUntilKilled(options: TrainingSessionOptions, epochs: number): Promise<void> {
  const onEpoch = (record: EpochRecord) => {
    if (record.epoch === epochs) throw new Killed(`killed after epoch ${epochs}`);
  };
  await runTraining({ ...options, onEpoch }).then(
    () => assert.fail(`the run ended before epoch ${epochs}`),
    (error: unknown) => {
      if (!(error instanceof Killed)) throw error;
    },
  );
}
