import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LeanAdam } from '@tfjs-compress/vib';
import { sliceWeight, type AxisIndices } from '@tfjs-compress/vib/internal';
import { VIBOptimizer } from './vib-optimizer.js';

/** A weight sliced in place (`shrinkInPlace`), and how. */
export interface VariableSlice {
  variable: tfl.LayerVariable;
  indices: AxisIndices;
}

const variableName = (variable: tfl.LayerVariable) => (variable.read() as tf.Variable).name;

function sliceLeanAdam(optimizer: LeanAdam, slices: readonly VariableSlice[]): void {
  for (const { variable, indices } of slices) {
    const name = variableName(variable);
    const moments = optimizer.momentsFor(name);
    if (moments == null) continue;
    const m = sliceWeight(moments.m, indices);
    const v = sliceWeight(moments.v, indices);
    optimizer.setMomentsFor(name, { m, v });
    tf.dispose([m, v]);
  }
}

/**
 * Slices an optimizer's per-weight state like the weights it belongs to, so
 * training goes on as if the removed rows and columns had never existed (the
 * step count is kept). `VIBOptimizer` and `LeanAdam` slice their moments by
 * variable name. Any other tfjs optimizer goes through its public
 * `getWeights` / `setWeights`, whose slots are named `<variable>/<slot>`
 * (Adam's `m` and `v`, RMSProp's, Adagrad's, momentum's).
 */
export async function sliceOptimizerMoments(optimizer: tf.Optimizer, slices: readonly VariableSlice[]): Promise<void> {
  if (slices.length === 0) return;
  if (optimizer instanceof VIBOptimizer) {
    sliceLeanAdam(optimizer.halves.gate, slices);
    sliceLeanAdam(optimizer.halves.rest, slices);
    return;
  }
  if (optimizer instanceof LeanAdam) {
    sliceLeanAdam(optimizer, slices);
    return;
  }
  const byName = new Map(slices.map((s) => [variableName(s.variable), s.indices]));
  const weights = await optimizer.getWeights();
  const sliced: tf.Tensor[] = [];
  const next = weights.map(({ name, tensor }) => {
    const indices = byName.get(name.slice(0, name.lastIndexOf('/')));
    if (indices == null) return { name, tensor };
    const value = sliceWeight(tensor, indices);
    sliced.push(value);
    return { name, tensor: value };
  });
  // tfjs's getWeights hands out a fresh step-count scalar first and the optimizer's own slot variables after it.
  const [iterations, ...slots] = weights.map((w) => w.tensor);
  if (sliced.length > 0) {
    await optimizer.setWeights(next);
    // setWeights made variables of its own from these (sharing their data): the old slots and the slices can go.
    tf.dispose([...sliced, ...slots.filter((t) => !t.isDisposed)]);
  }
  iterations.dispose();
}
