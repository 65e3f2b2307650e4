import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { zeroUnits, type UnitSplit } from './group-lasso.js';
import { groupSquaredNorms, recurrentLayersOf } from './recurrent-weights.js';

export interface PruneUnitsArgs {
  /** Fraction of hidden units removed per layer, in [0, 1). One of `fraction` / `keep` is required. */
  fraction?: number;
  /** Hidden units kept per layer (at most the layer's units). */
  keep?: number;
}

/**
 * Structured magnitude pruning: per recurrent layer (`recurrentLayoutOf`),
 * scores hidden units by their ISS group norm (all weights into and out of the unit), keeps the
 * strongest and zeroes the rest in place (`zeroUnits`), so `compact` shrinks
 * the layer. At least one unit is always kept.
 */
export function pruneUnitsByMagnitude(
  target: tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[],
  args: PruneUnitsArgs,
): Record<string, UnitSplit> {
  const { fraction, keep } = args ?? {};
  if ((fraction == null) === (keep == null)) {
    throw new InvalidArgumentError('args', args, 'exactly one of fraction or keep');
  }
  if (fraction != null && !(typeof fraction === 'number' && fraction >= 0 && fraction < 1)) {
    throw new InvalidArgumentError('fraction', fraction, 'a number in [0, 1)');
  }
  if (keep != null && !(Number.isInteger(keep) && keep >= 1)) {
    throw new InvalidArgumentError('keep', keep, 'a positive integer');
  }
  const out: Record<string, UnitSplit> = {};
  for (const layer of recurrentLayersOf(target)) {
    const norms = Array.from(tf.tidy(() => groupSquaredNorms(layer).dataSync()));
    const units = norms.length;
    const count = keep != null ? Math.min(keep, units) : Math.max(1, units - Math.floor(fraction! * units));
    const order = norms.map((g, k) => [g, k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const kept = order.slice(0, count).map(([, k]) => k).sort((a, b) => a - b);
    const removed = order.slice(count).map(([, k]) => k).sort((a, b) => a - b);
    zeroUnits(layer, removed);
    out[layer.name] = { kept, removed };
  }
  return out;
}
