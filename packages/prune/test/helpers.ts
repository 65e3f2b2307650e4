import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gatedLayers, hasVIBGates, isGateWeight, type VIBGate } from '@tfjs-compress/vib';
import { assertClose, saveAndLoad } from '@tfjs-compress/testing';
import { compact, type CompactResult } from '../src/index.js';

/** Small deterministic pseudo-random numbers (no global RNG state touched). */
export function seededValues(count: number, seed: number, scale = 0.5): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** Overwrites every non-gate weight with seeded values (positive moving variances). */
export function randomizeWeights(model: tfl.LayersModel, seed = 1): void {
  let offset = 0;
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      if (isGateWeight(weight)) continue;
      const size = (weight.shape as number[]).reduce((a, b) => a * b, 1);
      let values = seededValues(size, seed + offset++);
      if (weight.name.includes('variance')) values = values.map((v) => Math.abs(v) + 0.5);
      tf.tidy(() => {
        weight.write(tf.tensor(values, weight.shape as number[]));
      });
    }
  }
}

/** Sets a gate so `pruned` units have log alpha > 0 (logD = +5) and the rest are kept, with mu != 1. */
export function setGate(gate: VIBGate, pruned: number[], seed = 7): void {
  const muValues = seededValues(gate.size, seed, 0.3).map((v) => 1 + v);
  const logD = new Float32Array(gate.size).fill(-9);
  for (const k of pruned) logD[k] = 5;
  tf.tidy(() => {
    gate.mu.write(tf.tensor1d(muValues));
    gate.logD.write(tf.tensor1d(logD));
  });
}

/** Switches every VIB gate of the model to hard 0/1 masks at inference. */
export function useHardMasks(model: tfl.LayersModel): void {
  for (const layer of gatedLayers(model as unknown as Parameters<typeof gatedLayers>[0])) for (const gate of layer.vibGates) gate.settings.inferenceMode = 'hard';
}

export function inputBatch(batch: number, steps: number, features: number, seed = 3): tf.Tensor3D {
  return tf.tensor3d(seededValues(batch * steps * features, seed, 1), [batch, steps, features]);
}

/** x[..., kept] along the last axis. */
export function selectFeatures(x: tf.Tensor, kept: number[]): tf.Tensor {
  return tf.tidy(() => tf.gather(x, tf.tensor1d(kept, 'int32'), x.rank - 1));
}

/**
 * Asserts that a compaction result predicts on `x[..., keptInputs]` what the
 * original (hard-mask) model predicts on `x`, to 1e-5. Disposes `x`.
 */
export function assertCompactMatches(
  original: { predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] },
  result: { model: tfl.LayersModel; keptInputs: number[] },
  x: tf.Tensor,
  what: string,
): void {
  const xs = selectFeatures(x, result.keptInputs);
  const expected = original.predict(x) as tf.Tensor;
  const got = result.model.predict(xs) as tf.Tensor;
  assertClose(got, expected, 1e-5, what);
  tf.dispose([x, xs, expected, got]);
}

/** Every class of a model, the layers inside wrappers (Bidirectional, TimeDistributed) included. */
export function classesOf(model: tfl.LayersModel): string[] {
  const inner = (l: tfl.layers.Layer): string[] => {
    const w = l as unknown as { forwardLayer?: tfl.layers.Layer; layer?: tfl.layers.Layer };
    if (w.forwardLayer) return [w.forwardLayer.getClassName()];
    return w.layer ? [w.layer.getClassName()] : [];
  };
  return model.layers.flatMap((l) => [l.getClassName(), ...inner(l)]);
}

/**
 * Compacts `model` with hard masks and asserts what every compaction must
 * give: built-in layers only (no class named with a prefix in `foreign`, no
 * gates), no tensor left behind but the new weights, and, fed
 * `prepareInputs(x)`, the predictions of `model` on x to 1e-5, again after a
 * save/load round trip. Disposes x; the caller disposes `result.model`.
 */
export async function assertCompactReproduces(model: tfl.LayersModel, x: tf.Tensor | tf.Tensor[], what: string, foreign: string[] = ['VIB']): Promise<CompactResult> {
  useHardMasks(model);
  const start = tf.memory().numTensors;
  const result = compact(model);
  assert.equal(tf.memory().numTensors, start + result.model.weights.length, `${what}: compact leaked tensors`);
  for (const name of classesOf(result.model)) assert.ok(!foreign.some((prefix) => name.startsWith(prefix)), `${what}: compact model holds ${name}`);
  for (const layer of result.model.layers) assert.ok(!hasVIBGates(layer), `${what}: compact model holds gates in '${layer.name}'`);
  const prepared = result.prepareInputs(x);
  const expected = model.predict(x) as tf.Tensor;
  const got = result.model.predict(prepared) as tf.Tensor;
  assertClose(got, expected, 1e-5, what);
  const loaded = await saveAndLoad(result.model);
  const again = loaded.predict(prepared) as tf.Tensor;
  assertClose(again, expected, 1e-5, `${what} after save and load`);
  tf.dispose([x, prepared, expected, got, again]);
  loaded.dispose();
  return result;
}
