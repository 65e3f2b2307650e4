import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import { product } from './shapes.js';
import { coreStddev, glorotVariance, type TensorizedShape } from './tt-matrix.js';

/**
 * One initializer per core: the user's for every core, or by default a
 * zero-mean normal with `coreStddev(shape, glorotVariance(fanIn, fanOut))`
 * so the reconstructed matrix starts with the variance of a Glorot dense
 * kernel. Each core gets its own seed (seed + k) so cores differ.
 */
export function coreInitializers(
  shape: TensorizedShape,
  custom: Initializer | undefined,
  seed: number | undefined,
  fanIn = product(shape.inShape),
  fanOut = product(shape.outShape),
): Initializer[] {
  if (custom) return shape.inShape.map(() => custom);
  const stddev = coreStddev(shape, glorotVariance(fanIn, fanOut));
  return shape.inShape.map((_, k) =>
    tfl.initializers.randomNormal({ mean: 0, stddev, seed: seed == null ? undefined : seed + k }),
  );
}
