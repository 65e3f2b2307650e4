import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { hasVIBGates } from '@tfjs-compress/vib';
import { assertNonNegative, assertPositive } from '@tfjs-compress/common';
import { groupSquaredNorms, recurrentLayersOf, recurrentVariables } from './recurrent-weights.js';

/** The paper's ISS baseline: penalty 0.01 * sum_k sqrt(G_k + 1e-8); unit kept while G_k > 0.01. */
export const DEFAULT_GROUP_LASSO_LAMBDA = 0.01;
export const DEFAULT_GROUP_LASSO_EPSILON = 1e-8;
export const DEFAULT_GROUP_THRESHOLD = 0.01;

export interface GroupLassoOptions {
  /** Weight of the penalty, >= 0. Default: 0.01. */
  lambda?: number;
  /** Added to G_k under the square root (keeps the gradient finite at 0), > 0. Default: 1e-8. */
  epsilon?: number;
}

export interface UnitSplit {
  kept: number[];
  removed: number[];
}

/**
 * ISS-style group lasso (Wen et al.) over the hidden units of recurrent
 * layers (`recurrentLayoutOf`: LSTM, GRU, SimpleRNN, VIBLSTM, VIBGRU, ...):
 * `lambda * sum_k sqrt(G_k + epsilon)`. Use it as an added loss in a custom
 * loop (`penalty()`), or `attach()` it to the layers
 * so `model.fit` adds it like a regulariser (next to any VIB KL terms).
 * `prune()` zeroes the groups with G_k <= threshold, which `compact` then
 * removes.
 */
export class GroupLasso {
  readonly layers: tfl.layers.Layer[];
  readonly lambda: number;
  readonly epsilon: number;
  private attached = false;

  constructor(target: tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[], options: GroupLassoOptions = {}) {
    this.layers = recurrentLayersOf(target);
    this.lambda = options.lambda ?? DEFAULT_GROUP_LASSO_LAMBDA;
    this.epsilon = options.epsilon ?? DEFAULT_GROUP_LASSO_EPSILON;
    assertNonNegative(this.lambda, 'lambda');
    assertPositive(this.epsilon, 'epsilon');
  }

  /** The penalty of one layer (differentiable). */
  layerPenalty(layer: tfl.layers.Layer): tf.Scalar {
    return tf.tidy(() => tf.mul(this.lambda, tf.sum(tf.sqrt(tf.add(groupSquaredNorms(layer), this.epsilon)))) as tf.Scalar);
  }

  /** The penalty summed over every layer (differentiable). */
  penalty(): tf.Scalar {
    return tf.tidy(() => this.layers.reduce<tf.Scalar>((sum, layer) => tf.add(sum, this.layerPenalty(layer)), tf.scalar(0)));
  }

  /** Registers the penalty as a loss of each layer, so `model.fit` minimises it. Idempotent. */
  attach(): this {
    if (this.attached) return this;
    for (const layer of this.layers) {
      // VIBLSTM/VIBGRU expose their cell's losses through a computed \`losses\`
      // getter, so \`layer.addLoss\` would push onto a temporary array there.
      const owner = hasVIBGates(layer) ? (layer as unknown as { cell: tfl.layers.Layer }).cell : layer;
      owner.addLoss(() => this.layerPenalty(layer));
    }
    this.attached = true;
    return this;
  }

  /** G_k (squared group norms) per layer name. */
  groupNorms(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const layer of this.layers) {
      out[layer.name] = Array.from(tf.tidy(() => groupSquaredNorms(layer).dataSync()));
    }
    return out;
  }

  /** Which units would survive `prune(threshold)` (kept while G_k > threshold). */
  units(threshold = DEFAULT_GROUP_THRESHOLD): Record<string, UnitSplit> {
    assertNonNegative(threshold, 'threshold');
    const out: Record<string, UnitSplit> = {};
    for (const [name, norms] of Object.entries(this.groupNorms())) {
      const split: UnitSplit = { kept: [], removed: [] };
      norms.forEach((g, k) => (g > threshold ? split.kept : split.removed).push(k));
      out[name] = split;
    }
    return out;
  }

  /** Zeroes the weight groups of units with G_k <= threshold (in place) and returns the split. */
  prune(threshold = DEFAULT_GROUP_THRESHOLD): Record<string, UnitSplit> {
    const splits = this.units(threshold);
    for (const layer of this.layers) zeroUnits(layer, splits[layer.name].removed);
    return splits;
  }
}

export function groupLasso(target: tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[], options?: GroupLassoOptions): GroupLasso {
  return new GroupLasso(target, options);
}

/**
 * Zeroes hidden units of an LSTM/GRU in place: their columns in every gate
 * block of the kernel, recurrent kernel and bias, and their recurrent-kernel
 * row. Such a unit outputs exactly 0 (its candidate is act(0) = 0), which is
 * how `compact` recognises it in a plain layer. Tensor projections keep
 * their input part (it cannot be zeroed per column), so for them only the
 * recurrent part is zeroed and compact relies on the VIB masks.
 */
export function zeroUnits(layer: tfl.layers.Layer, units: number[]): void {
  if (units.length === 0) return;
  const { kernel, recurrent, bias } = recurrentVariables(layer);
  const H = (layer as unknown as { cell: { units: number } }).cell.units;
  const gates = recurrent.shape[1]! / H;
  const keep = new Float32Array(gates * H).fill(1);
  for (const k of units) for (let b = 0; b < gates; b++) keep[b * H + k] = 0;
  const rowKeep = new Float32Array(H).fill(1);
  for (const k of units) rowKeep[k] = 0;
  tf.tidy(() => {
    const columnMask = tf.tensor1d(keep);
    if (kernel) kernel.write(tf.mul(kernel.read(), columnMask));
    recurrent.write(tf.mul(tf.mul(recurrent.read(), columnMask), tf.reshape(tf.tensor1d(rowKeep), [H, 1])));
    if (bias) bias.write(tf.mul(bias.read(), columnMask));
  });
}
