import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

type Numeric = tf.Tensor | number[] | Float32Array | number;

function toFlat(x: Numeric): Float32Array | number[] {
  if (x instanceof tf.Tensor) return x.dataSync() as Float32Array;
  if (typeof x === 'number') return [x];
  return x;
}

/** Largest absolute element-wise difference; throws if sizes differ. */
export function maxAbsDiff(a: Numeric, b: Numeric): number {
  const fa = toFlat(a);
  const fb = toFlat(b);
  assert.equal(fa.length, fb.length, `size mismatch: ${fa.length} vs ${fb.length}`);
  let worst = 0;
  for (let i = 0; i < fa.length; i++) worst = Math.max(worst, Math.abs(fa[i] - fb[i]));
  return worst;
}

/** Asserts |a - b| <= tol everywhere, reporting the worst difference. */
export function assertClose(a: Numeric, b: Numeric, tol: number, what = 'values'): void {
  if (a instanceof tf.Tensor && b instanceof tf.Tensor) {
    assert.deepEqual(a.shape, b.shape, `${what}: shape ${a.shape} vs ${b.shape}`);
  }
  const diff = maxAbsDiff(a, b);
  assert.ok(diff <= tol, `${what}: max |diff| ${diff.toExponential(3)} > ${tol}`);
}
