import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Applies a tfjs activation by name to plain numbers, through tfjs's own implementation. */
export function applyActivation(name: string, values: number[]): Float32Array {
  if (values.length === 0) return new Float32Array(0);
  const layer = tfl.layers.activation({ activation: name as never });
  return tf.tidy(() => (layer.apply(tf.tensor1d(values)) as tf.Tensor).dataSync() as Float32Array);
}

/** The activation's name as written in a layer config (string or serialized object). */
export function activationName(value: unknown, fallback: string): string {
  if (value == null) return fallback;
  if (typeof value === 'string') return value;
  const className = (value as { className?: string }).className;
  return className ?? fallback;
}

/** Pre-activation that this activation maps to exactly 0 in float32, or null (tried: 0, -1e4). */
export function zeroingInput(name: string): number | null {
  const candidates = [0, -1e4];
  const outputs = applyActivation(name, candidates);
  const index = Array.from(outputs).findIndex((v) => v === 0);
  return index < 0 ? null : candidates[index];
}
