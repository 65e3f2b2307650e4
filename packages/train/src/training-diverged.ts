import * as tf from '@tensorflow/tfjs-core';

const MARKER = Symbol.for('@tfjs-compress/training-diverged-error');

/**
 * Where a fit stopped being finite: 1-based epoch, 0-based batch within it
 * (null when found in the weights at the epoch's end), and the loss (the
 * weights' first non-finite value when `batch` is null).
 */
export interface DivergedAt {
  epoch: number;
  batch: number | null;
  loss: number;
}

/**
 * The loss became NaN or infinite: the weights the step wrote are no longer
 * usable, and going on would only spread the NaNs (and save them). `epoch`,
 * `batch` and `loss` say where. `isInstance` checks a global symbol, so it
 * also works across two installed copies of the package.
 */
export class TrainingDivergedError extends Error {
  readonly [MARKER] = true;
  readonly epoch: number;
  readonly batch: number | null;
  readonly loss: number;

  constructor(at: DivergedAt, advice: string) {
    const where = at.batch == null ? `a weight holds ${at.loss} at the end of epoch ${at.epoch}` : `the loss is ${at.loss} at epoch ${at.epoch}, batch ${at.batch}`;
    super(`Training diverged: ${where}; the weights are no longer usable. ${advice}`);
    this.name = 'TrainingDivergedError';
    this.epoch = at.epoch;
    this.batch = at.batch;
    this.loss = at.loss;
  }

  static isInstance(error: unknown): error is TrainingDivergedError {
    return error != null && typeof error === 'object' && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Throws `TrainingDivergedError` unless `at.loss` is finite. */
export function assertFiniteLoss(at: DivergedAt, advice: string): void {
  if (!Number.isFinite(at.loss)) throw new TrainingDivergedError(at, advice);
}

/**
 * Throws `TrainingDivergedError` (batch null) if any weight holds NaN or
 * Inf: a clipped loss (categorical cross-entropy clips probabilities) can
 * stay finite while NaN gradients have already reached the weights.
 */
export function assertFiniteWeights(weights: readonly { read(): tf.Tensor }[], epoch: number, advice: string): void {
  for (const weight of weights) {
    const flags = tf.tidy(() => {
      const value = weight.read();
      return tf.stack([tf.all(tf.isFinite(value)), tf.any(tf.isNaN(value))]);
    });
    const [finite, hasNaN] = flags.dataSync();
    flags.dispose();
    if (!finite) throw new TrainingDivergedError({ epoch, batch: null, loss: hasNaN ? Number.NaN : Number.POSITIVE_INFINITY }, advice);
  }
}
