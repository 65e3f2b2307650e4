import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LeanAdam } from '@tfjs-compress/vib';

/**
 * A main-thread LeanAdam's state under stable names (`<layer>/<weight>/m`,
 * `/v`, `iter`), the format `DataParallelTrainer.importOptimizerState` and
 * app-kit's checkpoints use: tfjs variable names differ between threads,
 * a weight's `originalName` does not. Moments of variables that are not in
 * `model` are left out. Caller disposes the tensors.
 */
export async function leanAdamState(model: tfl.LayersModel, optimizer: LeanAdam): Promise<tf.NamedTensorMap> {
  const stable = new Map(model.weights.map((w) => [(w.read() as tf.Variable).name, w.originalName]));
  const map: tf.NamedTensorMap = {};
  for (const { name, tensor } of await optimizer.getWeights()) {
    const original = name === 'iter' ? 'iter' : stable.get(name.slice(0, -2));
    if (original === undefined) tensor.dispose();
    else map[name === 'iter' ? name : `${original}${name.slice(-2)}`] = tensor;
  }
  return map;
}
