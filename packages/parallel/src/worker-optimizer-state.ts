/**
 * A worker's parts of its optimizers' moments, out and in under stable names
 * (a weight's `originalName`: tfjs variable names differ between threads).
 * Not a public module.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LeanAdam } from '@tfjs-compress/vib';
import type { NamedWireTensor, OptimizerPart } from './protocol.js';
import { toTensor, toWire } from './wire.js';
import type { Shard, WorkerState } from './worker-state.js';

/** This worker's parts of one optimizer's moments, with where each part sits in its weight. */
export async function optimizerState(state: WorkerState, optimizer: LeanAdam): Promise<OptimizerPart[]> {
  const byShard = new Map<string, { weight: tfl.LayerVariable; shard: Shard }>();
  for (const [weight, shard] of state.shards) if (shard.variable) byShard.set(shard.variable.name, { weight, shard });
  const parts: OptimizerPart[] = [];
  for (const { name, tensor } of await optimizer.getWeights()) {
    if (name === 'iter') parts.push({ ...toWire('iter', tensor), from: 0, fullShape: [] });
    else {
      const owner = byShard.get(name.slice(0, -2));
      if (owner) parts.push({ ...toWire(`${owner.weight.originalName}${name.slice(-2)}`, tensor), from: owner.shard.from, fullShape: owner.weight.shape as number[] });
    }
    tensor.dispose();
  }
  return parts;
}

/** Takes this worker's parts out of full moments saved under stable names. */
export async function loadOptimizerState(state: WorkerState, optimizer: LeanAdam, saved: NamedWireTensor[]): Promise<void> {
  const byName = new Map(state.model.weights.map((w) => [w.originalName, w]));
  const weights: Array<{ name: string; tensor: tf.Tensor }> = [];
  for (const w of saved) {
    if (w.name === 'iter') {
      weights.push({ name: 'iter', tensor: toTensor(w) });
      continue;
    }
    const weight = byName.get(w.name.slice(0, -2));
    if (weight === undefined) throw new Error(`optimizer state has moments for '${w.name.slice(0, -2)}', which the model does not have`);
    const { from, to, variable } = state.shards.get(weight)!;
    if (w.data.length !== (weight.read() as tf.Variable).size) {
      throw new Error(`optimizer state for '${weight.originalName}' has ${w.data.length} values, the weight ${weight.shape.join('x')}`);
    }
    if (variable == null) continue;
    weights.push({ name: `${variable.name}${w.name.slice(-2)}`, tensor: tf.tensor((w.data as Float32Array).subarray(from, to), [to - from]) });
  }
  await optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
}
