import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';

/**
 * Standard-normal noise that is fresh on every draw yet reproducible: draw n
 * of a stream seeded with s uses seed s + n. Unseeded streams use tfjs's own
 * random seeding.
 */
export class NoiseStream {
  private draws = 0;

  constructor(readonly seed: number | undefined) {}

  normal(shape: number[]): tf.Tensor {
    return tf.randomNormal(shape, 0, 1, 'float32', this.nextSeed());
  }

  uniform(shape: number[]): tf.Tensor {
    return tf.randomUniform(shape, 0, 1, 'float32', this.nextSeed());
  }

  private nextSeed(): number | undefined {
    const seed = this.seed === undefined ? undefined : this.seed + this.draws * 7919;
    this.draws++;
    return seed;
  }

  /** Restarts the stream, e.g. so that two models built alike draw alike. */
  reset(): void {
    this.draws = 0;
  }

  /** Draws made so far: saved with a checkpoint so a resumed run draws on where it stopped. */
  get position(): number {
    return this.draws;
  }

  seek(draws: number): void {
    if (!Number.isInteger(draws) || draws < 0) throw new InvalidArgumentError('draws', draws, 'a non-negative integer (a NoiseStream position)');
    this.draws = draws;
  }
}
