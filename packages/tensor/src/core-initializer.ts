import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { FactorizedMatrix } from './factorized-matrix.js';
import { product } from './shapes.js';
import { glorotVariance } from './tt-matrix.js';

/**
 * One initializer per core: the user's for every core, or by default a
 * zero-mean normal with the format's `coreStddev` for Glorot's variance
 * so the reconstructed matrix starts with the variance of a Glorot dense
 * kernel. Each core gets its own seed (seed + k) so cores differ.
 */
export function coreInitializers(
  matrix: FactorizedMatrix,
  custom: Initializer | undefined,
  seed: number | undefined,
  fanIn = product(matrix.inShape),
  fanOut = product(matrix.outShape),
): Initializer[] {
  const shapes = matrix.coreShapes;
  if (custom) return shapes.map(() => custom);
  const stddev = matrix.coreStddev(glorotVariance(fanIn, fanOut));
  return shapes.map((_, k) => tfl.initializers.randomNormal({ mean: 0, stddev, seed: seed == null ? undefined : seed + k }));
}
