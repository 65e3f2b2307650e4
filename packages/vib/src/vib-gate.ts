import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import { selectColumns } from './column-selection.js';
import { logAlphaOf, maskOf, vibKl } from './kl.js';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { NoiseStream } from './noise-stream.js';

export type InferenceMode = 'weighted' | 'hard' | 'mean';
export const INFERENCE_MODES: readonly InferenceMode[] = ['weighted', 'hard', 'mean'];

/** Dai et al. (ICML 2018): mu ~ N(1, 0.01), logD ~ N(-9, 0.01), a near-identity gate. */
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

  /** 0 at silenced units, 1 elsewhere; null while none is silenced. */
  private keep: Float32Array | null = null;
  /** Per unit, its column among the unsilenced ones, or their count (a zero column) when silenced. */
  private noiseColumns: Int32Array | null = null;
  private unsilenced: number;

  constructor(
    readonly size: number,
    prefix: string,
    addWeight: AddWeightFn,
    muInitializer: Initializer,
    logDInitializer: Initializer,
    readonly settings: VIBGateSettings,
    private readonly noise: NoiseStream,
  ) {
    this.unsilenced = size;
    const trainable = !settings.frozenMask;
    this.mu = addWeight(`${prefix}${MU_WEIGHT_SUFFIX}`, [size], muInitializer, trainable);
    this.logD = addWeight(`${prefix}${LOG_D_WEIGHT_SUFFIX}`, [size], logDInitializer, trainable);
  }

  /**
   * The multiplicative factor: `[batch, size]` samples while training (fresh
   * eps per example and unit), `[size]` otherwise or when the mask is frozen.
   */
  factor(training: boolean, batch: number): tf.Tensor {
    return tf.tidy(() => this.withSilenced(this.unsilencedFactor(training, batch)));
  }

  /**
   * The factor at the units `live` only (ascending): `factor(...)` gathered
   * there, computed without the other units (a layer shrunk in place pays
   * for its live units only). Draws the same noise as `factor`.
   */
  liveFactor(training: boolean, batch: number, live: readonly number[]): tf.Tensor {
    return tf.tidy(() => {
      const at = (t: tf.Tensor) => selectColumns(t, live, this.size);
      const mu = at(this.mu.read());
      const logD = at(this.logD.read());
      let factor: tf.Tensor;
      if (this.settings.frozenMask) factor = maskOf(mu, logD, this.settings.threshold);
      else if (training) factor = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logD)), this.liveNoise(batch, live)));
      else if (this.settings.inferenceMode === 'hard') factor = maskOf(mu, logD, this.settings.threshold);
      else if (this.settings.inferenceMode === 'mean') factor = mu;
      else factor = tf.mul(maskOf(mu, logD, this.settings.threshold), mu);
      const keep = this.keep;
      return keep && live.some((k) => keep[k] === 0) ? tf.mul(factor, tf.tensor1d(live.map((k) => keep[k]))) : factor;
    });
  }

  /** `trainingNoise` at the units `live`, drawn without the rest when those are silenced. */
  private liveNoise(batch: number, live: readonly number[]): tf.Tensor {
    const columns = this.noiseColumns;
    if (columns == null) return tf.gather(this.noise.normal([batch, this.size]), tf.tensor1d(live as number[], 'int32'), 1);
    const drawn = tf.concat([this.noise.normal([batch, this.unsilenced]), tf.zeros([batch, 1])], 1);
    return tf.gather(drawn, tf.tensor1d(live.map((k) => columns[k]), 'int32'), 1);
  }

  /** `values` (per unit along the last axis) with the silenced units set to 0. */
  private withSilenced(values: tf.Tensor): tf.Tensor {
    return this.keep ? tf.mul(values, tf.tensor1d(this.keep)) : values;
  }

  /**
   * eps: with silenced units, drawn for the others only and spread out with
   * zeros, so the stream gives the kept units what a model with the silenced
   * units removed draws (mask and remove runs see the same noise).
   */
  private trainingNoise(batch: number): tf.Tensor {
    const columns = this.noiseColumns;
    if (columns == null) return this.noise.normal([batch, this.size]);
    return tf.tidy(() => {
      const drawn = tf.concat([this.noise.normal([batch, this.unsilenced]), tf.zeros([batch, 1])], 1);
      return tf.gather(drawn, tf.tensor1d(columns, 'int32'), 1);
    });
  }

  private unsilencedFactor(training: boolean, batch: number): tf.Tensor {
    return tf.tidy(() => {
      const mu = this.mu.read();
      const logD = this.logD.read();
      if (this.settings.frozenMask) return maskOf(mu, logD, this.settings.threshold);
      if (training) {
        const sigma = tf.exp(tf.mul(0.5, logD));
        return tf.add(mu, tf.mul(sigma, this.trainingNoise(batch)));
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

  /** 1 for kept units, 0 for pruned and silenced ones. */
  mask(threshold = this.settings.threshold): tf.Tensor1D {
    return tf.tidy(() => this.withSilenced(maskOf(this.mu.read(), this.logD.read(), threshold)) as tf.Tensor1D);
  }

  keptUnits(threshold = this.settings.threshold): number[] {
    const values = tf.tidy(() => this.logAlpha().dataSync());
    const kept: number[] = [];
    values.forEach((v, i) => {
      if (v < threshold && (this.keep == null || this.keep[i] === 1)) kept.push(i);
    });
    return kept;
  }

  /**
   * Holds `units` at exactly 0 from now on, in training (no noise either) and
   * at inference: what physically removing them does, at full size
   * (shrink-as-you-train's `mode: 'mask'`). Adds to the units already
   * silenced. Their weights are set to mu = 0, logD >= 0 (log alpha >= 18),
   * so that a saved model, which does not carry the silencing, still reads
   * them as pruned. Every call re-applies that to all silenced units.
   */
  silence(units: readonly number[]): void {
    for (const k of units) {
      if (!Number.isInteger(k) || k < 0 || k >= this.size) {
        throw new InvalidArgumentError('silenced unit', k, `an integer in [0, ${this.size})`);
      }
    }
    this.keep ??= new Float32Array(this.size).fill(1);
    for (const k of units) this.keep[k] = 0;
    const keep = this.keep;
    const columns = new Int32Array(this.size);
    let next = 0;
    keep.forEach((v, k) => (columns[k] = v === 1 ? next++ : -1));
    this.noiseColumns = columns.map((c) => (c < 0 ? next : c));
    this.unsilenced = next;
    tf.tidy(() => {
      const kept = tf.tensor1d(keep);
      this.mu.write(tf.mul(this.mu.read(), kept));
      this.logD.write(tf.where(tf.cast(kept, 'bool'), this.logD.read(), tf.maximum(this.logD.read(), 0)));
    });
  }

  /** The silenced units, ascending. */
  silencedUnits(): number[] {
    const out: number[] = [];
    this.keep?.forEach((v, k) => {
      if (v === 0) out.push(k);
    });
    return out;
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
