import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';

/** What `vibLossAndGrads` needs of a model: its layer losses (the VIB KL terms, regularisers). */
export interface LayerLossSource {
  calculateLosses(): tf.Scalar[];
}

export interface VibLossAndGradsOptions {
  /**
   * Factor on the loss whose gradients are taken: a data-parallel worker
   * passes its share of the batch's rows, so that the workers' gradients sum
   * to the full batch's. Default: none (the loss itself).
   */
  weight?: number;
}

/** One step's losses and gradients. The caller disposes all three. */
export interface VibLossAndGrads {
  /** The task loss plus every layer loss, not weighted. */
  total: tf.Scalar;
  /** The task loss alone, not weighted (the same tensor as `total` when the model has no layer losses). */
  task: tf.Scalar;
  /** Gradients of `weight * total` by variable name; a variable the loss does not reach has none. */
  grads: tf.NamedTensorMap;
}

/**
 * The first half of VIBTrainer's step: the gradients of one loss, the task
 * loss plus every layer loss (KL included), over `variables`, computed once
 * for both optimizers.
 */
export function vibLossAndGrads(
  model: LayerLossSource,
  taskLoss: () => tf.Scalar,
  variables: tf.Variable[],
  options: VibLossAndGradsOptions = {},
): VibLossAndGrads {
  if (variables.length === 0) throw new InvalidArgumentError('model', 'no trainable weights', 'a model with trainable weights');
  const { weight } = options;
  // Kept out of the gradient's scope: the caller reads them after the step.
  const kept: { task?: tf.Scalar; total?: tf.Scalar } = {};
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    result = tf.variableGrads(() => {
      // The task loss runs the model first: a tfjs Sequential wires up the
      // container that `calculateLosses` walks only on its first call.
      const task = taskLoss();
      const total = model.calculateLosses().reduce<tf.Scalar>((sum, l) => tf.add(sum, l), task);
      kept.task = tf.keep(task);
      kept.total = tf.keep(total);
      // Unweighted, the loss is its own result: no extra op on VIBTrainer's path.
      return weight === undefined ? total : (tf.mul(total, weight) as tf.Scalar);
    }, variables);
  } catch (error) {
    tf.dispose(Object.values(kept));
    throw error;
  }
  const { task, total } = kept as Required<typeof kept>;
  if (result.value !== total) result.value.dispose();
  return { total, task, grads: result.grads };
}

/** The two optimizers of a VIB step and the decay on the non-gate weights. */
export interface VibUpdate {
  /** Steps the gate parameters (mu, logD), at `ibLr`. */
  gateOptimizer: tf.Optimizer;
  /** Steps every other trained weight, at `lr`. */
  restOptimizer: tf.Optimizer;
  /** L2 decay added to the gradients of the non-gate weights, >= 0. */
  weightDecay: number;
}

/**
 * The second half of VIBTrainer's step: adds `weightDecay * w` to the
 * gradients of the non-gate weights (never to the gates'), then steps the gate
 * optimizer with `gateGrads` and the other one with `restGrads`.
 *
 * A group passed as null has no gradients this step, and its optimizer does
 * not step. An empty map steps it all the same: a data-parallel worker whose
 * part of the group is empty still counts the step, so that Adam's bias
 * correction agrees with the other workers'.
 *
 * `variables` holds the variables the gradients are named after (at least
 * those of `restGrads`, for the decay). Consumes the gradients: every tensor
 * in both maps is disposed, a decayed one as soon as its replacement exists,
 * so the two never pile up over many weights.
 */
export function applyVibUpdate(
  update: VibUpdate,
  gateGrads: tf.NamedTensorMap | null,
  restGrads: tf.NamedTensorMap | null,
  variables: readonly tf.Variable[],
): void {
  let decayed = restGrads;
  try {
    if (restGrads != null && update.weightDecay > 0) decayed = withDecay(restGrads, update.weightDecay, variables);
    if (gateGrads != null) update.gateOptimizer.applyGradients(gateGrads);
    if (decayed != null) update.restOptimizer.applyGradients(decayed);
  } finally {
    tf.dispose([gateGrads ?? {}, restGrads ?? {}, decayed ?? {}]);
  }
}

/** The gradients plus `decay * w`, each raw gradient disposed once its sum exists. */
function withDecay(grads: tf.NamedTensorMap, decay: number, variables: readonly tf.Variable[]): tf.NamedTensorMap {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const missing = Object.keys(grads).find((name) => !byName.has(name));
  if (missing !== undefined) throw new InvalidArgumentError('variables', missing, 'every variable named in the gradients');
  const result: tf.NamedTensorMap = {};
  for (const [name, grad] of Object.entries(grads)) {
    result[name] = tf.tidy(() => tf.add(grad, tf.mul(decay, byName.get(name)!)));
    grad.dispose();
  }
  return result;
}
