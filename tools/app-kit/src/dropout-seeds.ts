import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * tfjs's Dropout draws from `this.seed` on every call: with a fixed seed it
 * drops the same units in every batch, without one it is not reproducible.
 * Setting a fresh seed per training step (derived from the run seed and the
 * global step) gives fresh, reproducible masks, also across a resume.
 * Counted among the Dropout layers, not all layers: the FeatureSelect that
 * shrinking puts in front leaves the masks as they were.
 */
export function setDropoutSeeds(model: tfl.LayersModel, seed: number): void {
  let k = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') (layer as unknown as { seed?: number }).seed = seed + k++ * 7919;
  }
}
