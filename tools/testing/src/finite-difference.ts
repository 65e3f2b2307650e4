import * as tf from '@tensorflow/tfjs-core';

/**
 * Central finite-difference gradient of a scalar function of one variable,
 * at a sample of coordinates (all when `coordinates` is omitted). The
 * variable is restored afterwards.
 */
export function finiteDifferenceGradient(
  f: () => tf.Scalar,
  variable: tf.Variable,
  coordinates?: number[],
  epsilon = 1e-2,
): Map<number, number> {
  const original = variable.dataSync().slice() as Float32Array;
  const indices = coordinates ?? Array.from(original, (_, i) => i);
  const result = new Map<number, number>();
  const evaluateWith = (index: number, delta: number): number => {
    const values = original.slice();
    values[index] += delta;
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
    return tf.tidy(() => f().dataSync()[0]);
  };
  for (const index of indices) {
    const up = evaluateWith(index, epsilon);
    const down = evaluateWith(index, -epsilon);
    result.set(index, (up - down) / (2 * epsilon));
  }
  tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
  return result;
}
