import * as tf from '@tensorflow/tfjs-core';
import { LeanAdam, VIB_DEFAULTS } from '@tfjs-compress/vib';
import { LOG_D_WEIGHT_SUFFIX, MU_WEIGHT_SUFFIX } from '@tfjs-compress/vib/internal';
import { assertBoolean, assertNonNegative, assertPositive, assertRate } from '@tfjs-compress/common';

/**
 * Learning rate of the gate parameters (mu, logD). The reference code's 5e-2
 * pruned from-scratch LSTMs in the first KL epoch on sequential MNIST; 1e-2
 * lets the accuracy budget climb its rungs one at a time.
 */
export const DEFAULT_IB_LR = 1e-2;

/** tfjs-core's NamedTensor, which its index does not export. */
type NamedTensor = { name: string; tensor: tf.Tensor };

export interface VIBOptimizerArgs {
  /** Learning rate of every weight that is not a gate parameter, > 0. Default: 1e-3. */
  lr?: number;
  /** Learning rate of the gate parameters mu and logD, > 0. Default: 1e-2. */
  ibLr?: number;
  /** Adam's beta1, in [0, 1). Default: 0.9. */
  beta1?: number;
  /** Adam's beta2, in [0, 1). Default: 0.999. */
  beta2?: number;
  /** Adam's epsilon, > 0. Default: 1e-7 (tfjs's). */
  epsilon?: number;
  /** L2 weight decay added to the gradients of non-gate weights, >= 0. Default: 0. */
  weightDecay?: number;
  /** Single-pass Adam where the backend allows it (same numbers either way). Default: true. */
  fused?: boolean;
}

/** A variable name without the `_N` tfjs-layers appends to repeated names (a model loaded twice in one process). */
function baseName(name: string): string {
  return name.replace(/_\d+$/, '');
}

/** True for the variables of VIB gate parameters (`.../<gate>vib_mu`, `.../<gate>vib_log_d`, maybe uniquified). */
export function isGateVariableName(name: string): boolean {
  const base = baseName(name);
  return base.endsWith(MU_WEIGHT_SUFFIX) || base.endsWith(LOG_D_WEIGHT_SUFFIX);
}

const GATE_PREFIX = 'gate/';
const REST_PREFIX = 'rest/';

/**
 * The optimizer for `model.compile` of a model with VIB gates: Adam on every
 * weight, at `ibLr` for gate parameters and `lr` for the rest (the paper trains
 * the gates faster than the network). Each half is a `LeanAdam`, so the update
 * keeps tfjs's Adam arithmetic with a few weight-sized temporaries at most.
 *
 * Frozen gates (`setFrozenMask`) are skipped: tfjs hands them over with no
 * gradient, and neither half of Adam steps a variable it has no gradient for.
 *
 * Serializable: `model.save(handler, {includeOptimizer: true})` stores both
 * halves' moments, and `tf.loadLayersModel` rebuilds the optimizer from its
 * registered class and restores them.
 */
export class VIBOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'VIBOptimizer';
  }

  /** tfjs's Optimizer answers `instanceof` for any optimizer (duck typing): this class answers by prototype. */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return typeof instance === 'object' && instance !== null && Object.prototype.isPrototypeOf.call(VIBOptimizer.prototype, instance);
  }

  readonly lr: number;
  readonly ibLr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly fused: boolean;
  private gate: LeanAdam;
  private rest: LeanAdam;
  private lrScale = 1;

  constructor(args: VIBOptimizerArgs = {}) {
    super();
    this.lr = args.lr ?? VIB_DEFAULTS.trainer.lr;
    this.ibLr = args.ibLr ?? DEFAULT_IB_LR;
    this.beta1 = args.beta1 ?? VIB_DEFAULTS.leanAdam.beta1;
    this.beta2 = args.beta2 ?? VIB_DEFAULTS.leanAdam.beta2;
    this.epsilon = args.epsilon ?? VIB_DEFAULTS.leanAdam.epsilon;
    this.weightDecay = args.weightDecay ?? 0;
    this.fused = args.fused ?? true;
    assertPositive(this.lr, 'lr');
    assertPositive(this.ibLr, 'ibLr');
    assertRate(this.beta1, 'beta1');
    assertRate(this.beta2, 'beta2');
    assertPositive(this.epsilon, 'epsilon');
    assertNonNegative(this.weightDecay, 'weightDecay');
    assertBoolean(this.fused, 'fused');
    this.gate = this.makeAdam(this.ibLr);
    this.rest = this.makeAdam(this.lr);
  }

  private makeAdam(rate: number): LeanAdam {
    const adam = new LeanAdam(rate, this.beta1, this.beta2, this.epsilon, this.fused);
    adam.setLearningRateScale(this.lrScale);
    return adam;
  }

  /** The factor on both learning rates now (see `setLearningRateScale`). */
  get learningRateScale(): number {
    return this.lrScale;
  }

  /** Multiplies `lr` and `ibLr` by `scale` (> 0) from the next step on; `reset` keeps it. The schedule's fine-tune anneals it. */
  setLearningRateScale(scale: number): void {
    this.gate.setLearningRateScale(scale);
    this.rest.setLearningRateScale(scale);
    this.lrScale = scale;
  }

  /** The Adam of the gate parameters and the Adam of the rest (e.g. to slice their moments when the model shrinks). */
  get halves(): { gate: LeanAdam; rest: LeanAdam } {
    return { gate: this.gate, rest: this.rest };
  }

  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(gradients) ? gradients : Object.keys(gradients).map((name) => ({ name, tensor: gradients[name] }));
    const gate: NamedTensor[] = [];
    const rest: NamedTensor[] = [];
    const decayed: tf.Tensor[] = [];
    for (const { name, tensor } of list) {
      if (tensor == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (isGateVariableName(name)) {
        gate.push({ name, tensor });
      } else if (this.weightDecay > 0 && variable != null) {
        const withDecay = tf.tidy(() => tf.add(tensor, tf.mul(this.weightDecay, variable)));
        decayed.push(withDecay);
        rest.push({ name, tensor: withDecay });
      } else {
        rest.push({ name, tensor });
      }
    }
    if (gate.length > 0) this.gate.applyGradients(gate);
    if (rest.length > 0) this.rest.applyGradients(rest);
    tf.dispose(decayed);
    this.incrementIterations();
  }

  /** Forgets every moment and the step count (a fresh Adam, e.g. for the frozen-mask fine-tune). */
  reset(): void {
    this.gate.dispose();
    this.rest.dispose();
    this.gate = this.makeAdam(this.ibLr);
    this.rest = this.makeAdam(this.lr);
    this.iterations_ = 0;
  }

  override dispose(): void {
    this.gate.dispose();
    this.rest.dispose();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const prefixed = (prefix: string, weights: NamedTensor[]) => weights.map((w) => ({ name: prefix + w.name, tensor: w.tensor }));
    return [
      { name: 'iter', tensor: tf.scalar(this.iterations, 'int32') },
      ...prefixed(GATE_PREFIX, await this.gate.getWeights()),
      ...prefixed(REST_PREFIX, await this.rest.getWeights()),
    ];
  }

  /**
   * Restores what `getWeights` gave. Moment names follow the variables' names
   * when they exist; a model loaded again in the same process has its names
   * suffixed (`_1`), so such moments are renamed to the one registered
   * variable that differs only by that suffix.
   */
  override async setWeights(weights: NamedTensor[]): Promise<void> {
    const byPrefix = (prefix: string) =>
      weights.filter((w) => w.name.startsWith(prefix)).map((w) => ({ name: renameToLive(w.name.slice(prefix.length)), tensor: w.tensor }));
    const iter = weights.find((w) => w.name === 'iter');
    this.iterations_ = iter ? (await iter.tensor.data())[0] : 0;
    await this.gate.setWeights(byPrefix(GATE_PREFIX));
    await this.rest.setWeights(byPrefix(REST_PREFIX));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      lr: this.lr,
      ibLr: this.ibLr,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      fused: this.fused,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as VIBOptimizerArgs);
  }
}
tf.serialization.registerClass(VIBOptimizer);

/**
 * `<variable>/m` or `/v` (or `iter`), renamed to a live variable: itself when
 * registered, else the one live variable whose name without its `_N` suffix
 * equals it; unchanged when there is none or several.
 */
function renameToLive(key: string): string {
  const slot = key.match(/\/[mv]$/)?.[0];
  if (slot == null) return key;
  const name = key.slice(0, -slot.length);
  const registered = tf.engine().registeredVariables;
  if (registered[name] != null) return key;
  const matches = Object.keys(registered).filter((live) => live !== name && baseName(live) === name);
  return matches.length === 1 ? matches[0] + slot : key;
}

/** Factory in the style of `tf.train.adam`: `model.compile({optimizer: vibOptimizer({lr: 2e-3}), ...})`. */
export function vibOptimizer(args?: VIBOptimizerArgs): VIBOptimizer {
  return new VIBOptimizer(args);
}
