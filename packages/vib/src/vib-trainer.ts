import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, assertNonNegative, assertPositive } from '@tfjs-compress/common';
import { splitTrainableWeights } from './gated-layers.js';
import { LeanAdam } from './lean-adam.js';

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
 * by another at `lr`.
 */
export class VIBTrainer {
  readonly lr: number;
  readonly ibLr: number;
  readonly weightDecay: number;
  private readonly gateOptimizer: tf.Optimizer;
  private readonly restOptimizer: tf.Optimizer;

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
    this.gateOptimizer = makeOptimizer(this.ibLr);
    this.restOptimizer = makeOptimizer(this.lr);
  }

  /**
   * Minimises `taskLoss()` plus the model's layer losses. Returns the total
   * loss. Only currently trainable weights are updated (frozen gates are not).
   */
  step(taskLoss: () => tf.Scalar): number {
    const { gate, rest } = splitTrainableWeights(this.model);
    const variables = [...gate, ...rest].map((w) => w.read() as tf.Variable);
    if (variables.length === 0) throw new InvalidArgumentError('model', 'no trainable weights', 'a model with trainable weights');
    const { value, grads } = tf.variableGrads(() => {
      // The task loss runs the model first: a tfjs Sequential wires up the
      // container that `calculateLosses` walks only on its first call.
      const task = taskLoss();
      return this.model.calculateLosses().reduce<tf.Scalar>((sum, l) => tf.add(sum, l), task);
    }, variables);
    const pick = (weights: tfl.LayerVariable[], decay: number): tf.NamedTensorMap => {
      const map: tf.NamedTensorMap = {};
      for (const w of weights) {
        const variable = w.read() as tf.Variable;
        const grad = grads[variable.name];
        if (grad == null) continue;
        map[variable.name] = decay > 0 ? tf.add(grad, tf.mul(decay, variable)) : grad;
      }
      return map;
    };
    const gateGrads = pick(gate, 0);
    const restGrads = pick(rest, this.weightDecay);
    if (Object.keys(gateGrads).length > 0) this.gateOptimizer.applyGradients(gateGrads);
    if (Object.keys(restGrads).length > 0) this.restOptimizer.applyGradients(restGrads);
    const loss = value.dataSync()[0];
    tf.dispose([value, grads, gateGrads, restGrads]);
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
    this.gateOptimizer.dispose();
    this.restOptimizer.dispose();
  }
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
