import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import { logAlphaOf, maskOf, vibKl } from './kl.js';
import { NoiseStream } from './noise-stream.js';

export type InferenceMode = 'weighted' | 'hard' | 'mean';
export const INFERENCE_MODES: readonly InferenceMode[] = ['weighted', 'hard', 'mean'];

/** PAPER_NOTES section 1: mu ~ N(1, 0.01), logD ~ N(-9, 0.01), a near-identity gate. */
export const DEFAULT_MU_MEAN = 1;
export const DEFAULT_LOG_D_MEAN = -9;
export const DEFAULT_INIT_STDDEV = 0.01;
export const DEFAULT_KL_MULT = 2;
export const DEFAULT_KL_FAC = 1e-6;
export const DEFAULT_THRESHOLD = 0;
export const DEFAULT_INFERENCE_MODE: InferenceMode = 'weighted';

/** Weight-name suffixes that mark gate parameters (used to split learning rates). */
export const MU_WEIGHT_SUFFIX = 'vib_mu';
export const LOG_D_WEIGHT_SUFFIX = 'vib_log_d';

/** Creates a weight on the owning layer (whose `addWeight` is protected). */
export type AddWeightFn = (
  name: string,
  shape: number[],
  initializer: Initializer,
  trainable: boolean,
) => tfl.LayerVariable;

export interface VIBGateSettings {
  klMult: number;
  klFac: number;
  threshold: number;
  inferenceMode: InferenceMode;
  frozenMask: boolean;
}

export function defaultMuInitializer(seed?: number): Initializer {
  return tfl.initializers.randomNormal({ mean: DEFAULT_MU_MEAN, stddev: DEFAULT_INIT_STDDEV, seed });
}

export function defaultLogDInitializer(seed?: number): Initializer {
  return tfl.initializers.randomNormal({ mean: DEFAULT_LOG_D_MEAN, stddev: DEFAULT_INIT_STDDEV, seed });
}

/**
 * One VIB gate of `size` units: z = mu + sigma * eps while training, a
 * deterministic factor at inference. Not a layer itself: `VIBLayer` and the
 * recurrent cells own their gates and create the weights on themselves.
 */
export class VIBGate {
  readonly mu: tfl.LayerVariable;
  readonly logD: tfl.LayerVariable;

  constructor(
    readonly size: number,
    prefix: string,
    addWeight: AddWeightFn,
    muInitializer: Initializer,
    logDInitializer: Initializer,
    readonly settings: VIBGateSettings,
    private readonly noise: NoiseStream,
  ) {
    const trainable = !settings.frozenMask;
    this.mu = addWeight(`${prefix}${MU_WEIGHT_SUFFIX}`, [size], muInitializer, trainable);
    this.logD = addWeight(`${prefix}${LOG_D_WEIGHT_SUFFIX}`, [size], logDInitializer, trainable);
  }

  /**
   * The multiplicative factor: `[batch, size]` samples while training (fresh
   * eps per example and unit), `[size]` otherwise or when the mask is frozen.
   */
  factor(training: boolean, batch: number): tf.Tensor {
    return tf.tidy(() => {
      const mu = this.mu.read();
      const logD = this.logD.read();
      if (this.settings.frozenMask) return maskOf(mu, logD, this.settings.threshold);
      if (training) {
        const sigma = tf.exp(tf.mul(0.5, logD));
        return tf.add(mu, tf.mul(sigma, this.noise.normal([batch, this.size])));
      }
      switch (this.settings.inferenceMode) {
        case 'hard':
          return maskOf(mu, logD, this.settings.threshold);
        case 'mean':
          return mu;
        default:
          return tf.mul(maskOf(mu, logD, this.settings.threshold), mu);
      }
    });
  }

  /** klFac * KL, the quantity added to the owner's losses (0 when frozen). */
  loss(): tf.Scalar {
    return tf.tidy(() => {
      if (this.settings.frozenMask || this.settings.klFac === 0) return tf.scalar(0);
      return tf.mul(this.settings.klFac, this.kl()) as tf.Scalar;
    });
  }

  /** The unscaled KL term `0.5 * klMult * sum log(1 + mu^2 / (sigma^2 + 1e-8))`. */
  kl(): tf.Scalar {
    return vibKl(this.mu.read(), this.logD.read(), this.settings.klMult);
  }

  logAlpha(): tf.Tensor1D {
    return logAlphaOf(this.mu.read(), this.logD.read()) as tf.Tensor1D;
  }

  mask(threshold = this.settings.threshold): tf.Tensor1D {
    return maskOf(this.mu.read(), this.logD.read(), threshold) as tf.Tensor1D;
  }

  keptUnits(threshold = this.settings.threshold): number[] {
    const values = tf.tidy(() => this.logAlpha().dataSync());
    const kept: number[] = [];
    values.forEach((v, i) => {
      if (v < threshold) kept.push(i);
    });
    return kept;
  }

  /**
   * Frozen: hard mask in training too, no KL, mu and logD not trainable.
   * Pass the layer that owns the weights: the weights then also move between
   * its trainable and non-trainable lists. The flag alone does not last, as
   * tfjs resets every weight's flag when a model containing the layer is built.
   */
  setFrozenMask(frozen: boolean, owner?: tfl.layers.Layer): void {
    this.settings.frozenMask = frozen;
    for (const weight of [this.mu, this.logD]) {
      weight.trainable = !frozen;
      if (owner) moveBetweenWeightLists(owner, weight, !frozen);
    }
  }
}

/** Moves a weight to the owner's trainable or non-trainable list (tfjs keeps both protected). */
function moveBetweenWeightLists(owner: tfl.layers.Layer, weight: tfl.LayerVariable, trainable: boolean): void {
  const lists = owner as unknown as { _trainableWeights: tfl.LayerVariable[]; _nonTrainableWeights: tfl.LayerVariable[] };
  const from = trainable ? lists._nonTrainableWeights : lists._trainableWeights;
  const to = trainable ? lists._trainableWeights : lists._nonTrainableWeights;
  const index = from.indexOf(weight);
  if (index < 0) return;
  from.splice(index, 1);
  to.push(weight);
}
