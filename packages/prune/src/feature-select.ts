import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { InvalidArgumentError } from '@tfjs-compress/common';

export interface FeatureSelectArgs extends LayerArgs {
  /**
   * Input features to keep along the last axis, strictly ascending
   * non-negative integers: the output is `x[..., indices]`. Required.
   */
  indices: number[];
}

/** Throws unless `indices` is a non-empty, strictly ascending list of non-negative integers. */
export function assertFeatureIndices(indices: unknown, option = 'indices'): asserts indices is number[] {
  const ok =
    Array.isArray(indices) &&
    indices.length > 0 &&
    indices.every((j, p) => Number.isInteger(j) && j >= 0 && (p === 0 || j > (indices[p - 1] as number)));
  if (!ok) {
    const shown = Array.isArray(indices) && indices.length > 8 ? `[${indices.slice(0, 8).join(', ')}, ...]` : indices;
    throw new InvalidArgumentError(option, shown, 'a non-empty, strictly ascending list of non-negative integers');
  }
}

/**
 * Keeps a fixed subset of the input features (last axis): `x[..., indices]`.
 * `shrinkVIB` puts one in front of a shrunk model so that the model still
 * takes the original input shape (data pipelines, evaluation and checkpoints
 * do not change) while its first weight layer reads only the kept features.
 * No weights; the index list lives in the config, so a saved model reloads
 * with it. Gradients never flow into the input, so no scatter kernel (which
 * wasm lacks) is needed.
 */
export class FeatureSelect extends tfl.layers.Layer {
  static className = 'FeatureSelect';
  readonly indices: number[];

  constructor(args: FeatureSelectArgs) {
    super(args);
    assertFeatureIndices(args?.indices);
    this.indices = [...args.indices];
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const features = shape[shape.length - 1];
    const last = this.indices[this.indices.length - 1];
    if (shape.length < 2 || features == null || last >= features) {
      throw new InvalidArgumentError('input shape', shape, `a last axis of a defined size above ${last} (the largest kept index)`);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...shape.slice(0, -1), this.indices.length];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.gather(x, tf.tensor1d(this.indices, 'int32'), x.rank - 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), indices: [...this.indices] };
  }
}
tf.serialization.registerClass(FeatureSelect);

/** Factory in the style of `tf.layers.*`. */
export const featureSelect = (args: FeatureSelectArgs): FeatureSelect => new FeatureSelect(args);
