import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { evaluateAccuracy, measureCompression, type CompressionMeasure, type FitRecord, type LabelledData } from '@tfjs-compress/vib';
import { InvalidArgumentError, assertPositiveInteger } from '@tfjs-compress/common';
import { assertLabelledData } from './data-checks.js';
import type { PolicyKind } from './kl-policy.js';
import { shuffledBatches } from './shuffled-batches.js';
import { vibCallback, type VIBCallbackOptions } from './vib-callback.js';
import { vibOptimizer, type VIBOptimizerArgs } from './vib-optimizer.js';
import type { VIBSchedule } from './vib-schedule.js';

/** Epochs of the whole fit: warm-up, VIB stage and fine-tune. */
export const DEFAULT_FIT_EPOCHS = 20;
export const DEFAULT_FIT_BATCH_SIZE = 64;

export interface FitVIBOptions extends Omit<VIBCallbackOptions, 'validationData' | 'resumeFrom'>, Omit<VIBOptimizerArgs, 'fused'> {
  /** Epochs of the whole fit (warm-up, VIB stage, fine-tune), a positive integer. Default: 20. */
  epochs?: number;
  /** Sequences per step. Default: 64. */
  batchSize?: number;
  /** Seed of the batch order. Default: 1. */
  seed?: number;
  /** Held-out data: with it (and no target), the 1-point accuracy budget. */
  validation?: LabelledData;
  /** More `model.fitDataset` callbacks (objects or `{onEpochEnd, ...}`), run after the schedule's: they see its logs (klFac, compression, ...). */
  callbacks?: Array<tfl.Callback | tfl.CustomCallback | tfl.CustomCallbackArgs>;
}

export interface FitVIBResult {
  mode: PolicyKind;
  /** Every control point of the schedule. */
  history: FitRecord[];
  /** The state that went into the fine-tune (see `VIBSchedule.selected`). */
  selected: VIBSchedule['selected'];
  /** The accuracy the budget was measured from (null for the other policies). */
  referenceAccuracy: number | null;
  /** The validation accuracy the model arrived with, and whether it counted as trained. */
  arrival: VIBSchedule['arrival'];
  /** Whether the target (within tolerance) or the budget was met. */
  reached: boolean;
  /** Compression of the final (frozen, hard-mask) model. */
  compression: CompressionMeasure;
  /** Validation accuracy of the final model (null without validation data). */
  validationAccuracy: number | null;
}

/**
 * The whole VIB schedule on in-memory tensors in one call: `model.compile`
 * with `vibOptimizer`, then `model.fitDataset` over seeded batches with
 * `vibCallback`, the same engine a user's own `fit` runs. Async, so a page
 * stays responsive. Integer labels are one-hot encoded per batch. Afterwards
 * every gate is frozen and in 'hard' mode (what `compact` rebuilds), and the
 * model stays compiled with its optimizer (`model.optimizer.dispose()` frees
 * the moments).
 */
export async function fitVIB(model: tfl.LayersModel, data: LabelledData, options: FitVIBOptions = {}): Promise<FitVIBResult> {
  const { validation, callbacks, lr, ibLr, beta1, beta2, epsilon, weightDecay, ...rest } = options;
  const { epochs = DEFAULT_FIT_EPOCHS, batchSize = DEFAULT_FIT_BATCH_SIZE, seed = 1, ...scheduleOptions } = rest;
  assertPositiveInteger(epochs, 'epochs');
  assertPositiveInteger(batchSize, 'batchSize');
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (data.y.rank > 2 || (data.y.rank === 2 && data.y.shape[1] !== classes)) {
    throw new InvalidArgumentError('data.y', `shape [${data.y.shape}]`, `integer labels [samples] or one-hot [samples, ${classes}]`);
  }
  assertLabelledData(data, classes!, 'data');
  if (validation) assertLabelledData(validation, classes!, 'validation');
  model.compile({ optimizer: vibOptimizer({ lr, ibLr, beta1, beta2, epsilon, weightDecay }), loss: 'categoricalCrossentropy' });
  const callback = vibCallback({ ...scheduleOptions, validationData: validation });
  const oneHot = data.y.rank === 1 ? (y: tf.Tensor) => tf.oneHot(tf.cast(y, 'int32') as tf.Tensor1D, classes!) : undefined;
  const batches = shuffledBatches(data.x, data.y, { batchSize, seed, mapLabels: oneHot });
  // tfjs takes an array as callback objects when its first entry is one: wrap the plain `{onEpochEnd, ...}` ones.
  const more = (callbacks ?? []).map((c) => (typeof (c as tfl.Callback).setParams === 'function' ? (c as tfl.Callback) : new tfl.CustomCallback(c as tfl.CustomCallbackArgs)));
  await model.fitDataset(batches.dataset, { epochs, batchesPerEpoch: batches.batchesPerEpoch, verbose: 0, callbacks: [callback, ...more] });
  return {
    mode: callback.policy.kind,
    history: callback.records,
    selected: callback.selected,
    referenceAccuracy: callback.policy.referenceAccuracy,
    arrival: callback.arrival,
    reached: callback.policy.reached,
    compression: measureCompression(model),
    validationAccuracy: validation ? evaluateAccuracy(model, validation, 'hard') : null,
  };
}
