import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertNonNegative, assertPositive } from '@tfjs-compress/common';
import { splitTrainableWeights } from './gated-layers.js';
import { LeanAdam } from './lean-adam.js';
import { applyVibUpdate, vibLossAndGrads, type VibUpdate } from './vib-step.js';

export const DEFAULT_LR = 1e-3;
export const DEFAULT_IB_LR = 5e-2;
export const DEFAULT_WEIGHT_DECAY = 0;

export type OptimizerFactory = (learningRate: number) => tf.Optimizer;

export interface VIBTrainerArgs {
  /** Learning rate of every weight that is not a gate parameter, > 0. Default: 1e-3. */
  lr?: number;
  /** Learning rate of the gate parameters mu and logD, > 0. Default: 5e-2 (the reference's). */
  ibLr?: number;
  /** L2 weight decay added to the gradients of non-gate weights, >= 0. Default: 0. */
  weightDecay?: number;
  /** Builds each optimizer from its learning rate. Default: `LeanAdam` (tfjs's Adam math, far less peak memory). */
  optimizer?: OptimizerFactory;
}

/** A model the trainer can drive: a tfjs LayersModel or anything shaped like it. */
export interface TrainableModel {
  trainableWeights: tfl.LayerVariable[];
  calculateLosses(): tf.Scalar[];
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: Record<string, unknown>): unknown;
}

/**
 * One training step, two learning rates (the paper's training setup): gradients of
 * one loss (the task loss plus every layer loss, KL included) are computed
 * once; gate parameters are updated by one optimizer at `ibLr` and the rest
 * by another at `lr`. The step is `vibLossAndGrads` then `applyVibUpdate`,
 * the two halves the data-parallel workers run too.
 */
export class VIBTrainer {
  readonly lr: number;
  readonly ibLr: number;
  readonly weightDecay: number;
  private readonly update: VibUpdate;

  constructor(
    private readonly model: TrainableModel,
    args: VIBTrainerArgs = {},
  ) {
    this.lr = args.lr ?? DEFAULT_LR;
    this.ibLr = args.ibLr ?? DEFAULT_IB_LR;
    this.weightDecay = args.weightDecay ?? DEFAULT_WEIGHT_DECAY;
    assertPositive(this.lr, 'lr');
    assertPositive(this.ibLr, 'ibLr');
    assertNonNegative(this.weightDecay, 'weightDecay');
    const makeOptimizer = args.optimizer ?? ((rate: number) => new LeanAdam(rate));
    this.update = { gateOptimizer: makeOptimizer(this.ibLr), restOptimizer: makeOptimizer(this.lr), weightDecay: this.weightDecay };
  }

  /**
   * Minimises `taskLoss()` plus the model's layer losses. Returns the total
   * loss. Only currently trainable weights are updated (frozen gates are not).
   */
  step(taskLoss: () => tf.Scalar): number {
    const { gate, rest } = splitTrainableWeights(this.model);
    const gateVariables = gate.map((w) => w.read() as tf.Variable);
    const restVariables = rest.map((w) => w.read() as tf.Variable);
    const variables = [...gateVariables, ...restVariables];
    const { total, task, grads } = vibLossAndGrads(this.model, taskLoss, variables);
    applyVibUpdate(this.update, gradsOf(grads, gateVariables), gradsOf(grads, restVariables), variables);
    const loss = total.dataSync()[0];
    tf.dispose([total, task]);
    return loss;
  }

  /** A step of categorical cross-entropy on a batch (`y` one-hot, or integer labels of shape [batch]). */
  trainOnBatch(x: tf.Tensor | tf.Tensor[], y: tf.Tensor): number {
    return this.step(() => {
      const predicted = this.model.apply(x, { training: true }) as tf.Tensor;
      return categoricalCrossentropy(y, predicted);
    });
  }

  dispose(): void {
    this.update.gateOptimizer.dispose();
    this.update.restOptimizer.dispose();
  }
}

/** The gradients of `variables` (null when none has one: that group's optimizer does not step). */
function gradsOf(grads: tf.NamedTensorMap, variables: tf.Variable[]): tf.NamedTensorMap | null {
  const picked: tf.NamedTensorMap = {};
  for (const { name } of variables) if (grads[name] != null) picked[name] = grads[name];
  return Object.keys(picked).length > 0 ? picked : null;
}

/** Mean cross-entropy of softmax probabilities against one-hot or integer labels. */
export function categoricalCrossentropy(labels: tf.Tensor, probabilities: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = probabilities.shape[probabilities.rank - 1];
    const oneHot = labels.rank === 1 ? tf.oneHot(tf.cast(labels, 'int32'), classes) : labels;
    const clipped = tf.clipByValue(probabilities, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1))) as tf.Scalar;
  });
}
