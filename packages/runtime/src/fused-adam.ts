import * as tf from '@tensorflow/tfjs-core';
import { adamSimd } from './adam-simd.js';
import { rawStorage } from './raw-storage.js';

const f = Math.fround;

/** The coefficients of one Adam step, bias corrections folded in (see LeanAdam). */
export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  stepSize: number;
  epsilonHat: number;
}

/** True when `tensor` alone owns its storage, so that writing it in place changes no other tensor. */
function ownsStorage(tensor: tf.Tensor): boolean {
  return tf.backend().refCount(tensor.dataId) === 1;
}

/**
 * One Adam step for one variable in a single pass over memory, where the
 * backend allows it (cpu, wasm): reads the variable, its gradient and both
 * moments once, updates the moments in place and writes the new values to
 * a fresh tensor, which is assigned to the variable. On wasm the pass is
 * SIMD code running on the heap itself (`adamSimd`), on cpu a JS loop. The
 * op-by-op route makes 11 passes, each allocating a weight-sized result:
 * for a 57,600 x 1,024 kernel on wasm, 350 ms of a training step (800 ms alone,
 * outside one) against 36 ms here.
 *
 * The variable itself gets a new buffer rather than an in-place write,
 * because the wasm matMul caches its packing of a weight by tensor id.
 * Returns false (nothing done) when the backend keeps data elsewhere
 * (webgl, tfjs-node), a tensor is not float32, or a moment's storage is
 * shared with another tensor (e.g. a clone taken by `getWeights`); the
 * caller then takes the op-by-op route, which gives the same numbers.
 */
export function fusedAdamStep(variable: tf.Variable, gradient: tf.Tensor, m: tf.Variable, v: tf.Variable, c: AdamCoefficients): boolean {
  if (variable.size === 0 || [variable, gradient, m, v].some((t) => t.dtype !== 'float32')) return false;
  const storage = rawStorage();
  if (storage == null || !ownsStorage(m) || !ownsStorage(v)) return false;
  const next = storage.allocate(variable.shape);
  const tensors = [variable, gradient, m, v, next];
  // On wasm, four lanes at a time on the heap itself; the remainder (and cpu) in JS.
  let done = 0;
  const simd = storage.heap ? adamSimd(storage.heap.memory) : null;
  if (simd) {
    const [w, g, mo, vo, out] = tensors.map((t) => storage.heap!.offset(t));
    done = variable.size - (variable.size % 4);
    simd(w, g, mo, vo, out, done, f(1 - c.beta1), f(1 - c.beta2), f(c.epsilonHat), f(c.stepSize));
  }
  // Views after the allocation: it may have grown (and so detached) the wasm heap.
  const [w, g, mv, vv, out] = tensors.map((t) => storage.view(t));
  adamLoop(w, g, mv, vv, out, c, done);
  variable.assign(next);
  next.dispose();
  return true;
}

/**
 * LeanAdam's op-by-op route element by element, each operation rounded to
 * float32 as the backend's kernel rounds it (`fround` after each step), so
 * both routes give bit-identical weights and moments: a run does not change
 * with the route it takes.
 */
function adamLoop(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, c: AdamCoefficients, from: number): void {
  // The scalars as the op-by-op route holds them: float32 tensors.
  const a1 = f(1 - c.beta1);
  const a2 = f(1 - c.beta2);
  const epsilonHat = f(c.epsilonHat);
  const stepSize = f(c.stepSize);
  for (let i = from, n = w.length; i < n; i++) {
    const gi = g[i];
    const mi = f(m[i] + f(f(gi - m[i]) * a1));
    const vi = f(v[i] + f(f(f(gi * gi) - v[i]) * a2));
    m[i] = mi;
    v[i] = vi;
    out[i] = w[i] - f(f(mi / f(f(Math.sqrt(vi)) + epsilonHat)) * stepSize);
  }
}
