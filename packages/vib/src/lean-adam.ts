import * as tf from '@tensorflow/tfjs-core';
import { fusedAdamStep } from '@tfjs-compress/runtime';
import { assertBoolean, assertPositive, assertRate } from '@tfjs-compress/common';

export const DEFAULT_BETA1 = 0.9;
export const DEFAULT_BETA2 = 0.999;
/** tfjs's own Adam default (the backend epsilon). */
export const DEFAULT_ADAM_EPSILON = 1e-7;

/** tfjs-core's NamedTensor, which its index does not export. */
type NamedTensor = { name: string; tensor: tf.Tensor };

interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * Adam with the arithmetic of `tf.train.adam`, written so that no more than
 * about three weight-sized temporaries are alive at once. tfjs's Adam builds
 * its whole update inside one `tidy`, keeping about a dozen kernel-sized
 * temporaries alive together: for a 57,600 x 1,024 kernel that alone passes
 * the 4 GiB wasm heap.
 *
 * On cpu and wasm each variable's update is one pass over memory
 * (`fusedAdamStep`), bit-identical to the op-by-op route below, which
 * other backends take.
 *
 * The bias corrections are folded into the step size
 * (lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t), eps_t = eps * sqrt(1 - b2^t)),
 * which is algebraically the same update as tfjs's.
 */
export class LeanAdam extends tf.Optimizer {
  static get className(): string {
    return 'LeanAdam';
  }

  /** tfjs's Optimizer answers `instanceof` for any optimizer (duck typing): this class answers by prototype. */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return typeof instance === 'object' && instance !== null && Object.prototype.isPrototypeOf.call(LeanAdam.prototype, instance);
  }

  private readonly moments = new Map<string, Moments>();
  private iteration = 0;
  private scale = 1;

  constructor(
    readonly learningRate: number,
    readonly beta1 = DEFAULT_BETA1,
    readonly beta2 = DEFAULT_BETA2,
    readonly epsilon = DEFAULT_ADAM_EPSILON,
    /** Whether to take the single-pass route where the backend allows it (the numbers are the same either way). */
    readonly fused = true,
  ) {
    super();
    assertPositive(learningRate, 'learningRate');
    assertRate(beta1, 'beta1');
    assertRate(beta2, 'beta2');
    assertPositive(epsilon, 'epsilon');
    assertBoolean(fused, 'fused');
  }

  /** The factor on `learningRate` now (1 unless a schedule anneals it). */
  get learningRateScale(): number {
    return this.scale;
  }

  /**
   * Multiplies `learningRate` by `scale` (> 0) from the next step on, e.g. a
   * schedule's annealing. Not part of `getConfig`: the schedule sets it again.
   */
  setLearningRateScale(scale: number): void {
    assertPositive(scale, 'scale');
    this.scale = scale;
  }

  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(gradients)
      ? gradients
      : Object.keys(gradients).map((name) => ({ name, tensor: gradients[name] }));
    this.iteration++;
    const t = this.iteration;
    const correction = Math.sqrt(1 - this.beta2 ** t);
    const stepSize = (this.learningRate * this.scale * correction) / (1 - this.beta1 ** t);
    const epsilonHat = this.epsilon * correction;
    for (const { name, tensor: gradient } of list) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (variable == null) throw new Error(`LeanAdam: no variable named '${name}'.`);
      const { m, v } = this.momentsOf(variable);
      if (this.fused && fusedAdamStep(variable, gradient, m, v, { beta1: this.beta1, beta2: this.beta2, stepSize, epsilonHat })) continue;
      // m + (1 - b1)(g - m) is b1 m + (1 - b1) g. Each chain frees its
      // temporaries as it goes (tidy alone would hold them all to its end),
      // so at most two weight-sized ones are alive; tidy takes the scalars.
      tf.tidy(() => m.assign(chain(gradient, (g) => tf.sub(g, m), (d) => tf.mul(d, 1 - this.beta1), (d) => tf.add(m, d))));
      tf.tidy(() => v.assign(chain(gradient, tf.square, (g2) => tf.sub(g2, v), (d) => tf.mul(d, 1 - this.beta2), (d) => tf.add(v, d))));
      tf.tidy(() => {
        const update = chain(v, tf.sqrt, (s) => tf.add(s, epsilonHat), (denominator) => tf.div(m, denominator), (r) => tf.mul(r, stepSize));
        variable.assign(chain(update, (u) => tf.sub(variable, u)));
        update.dispose();
      });
    }
    this.incrementIterations();
  }

  private momentsOf(variable: tf.Variable): Moments {
    let moments = this.moments.get(variable.name);
    if (moments == null) {
      // Inside tidy: the zeros each variable starts from are released with it.
      moments = tf.tidy(() => ({
        m: tf.variable(tf.zerosLike(variable), false),
        v: tf.variable(tf.zerosLike(variable), false),
      }));
      this.moments.set(variable.name, moments);
    }
    return moments;
  }

  /** The first and second moments of a variable (e.g. to slice them when the variable shrinks). */
  momentsFor(variableName: string): Moments | undefined {
    return this.moments.get(variableName);
  }

  /** Replaces (or drops, with null) the moments of a variable. */
  setMomentsFor(variableName: string, moments: { m: tf.Tensor; v: tf.Tensor } | null): void {
    const old = this.moments.get(variableName);
    if (old) tf.dispose([old.m, old.v]);
    if (moments == null) this.moments.delete(variableName);
    else this.moments.set(variableName, { m: tf.variable(moments.m, false), v: tf.variable(moments.v, false) });
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.iteration, 'int32') }];
    for (const [name, { m, v }] of this.moments) {
      // Copies: the moments are reassigned in place by later steps.
      weights.push({ name: `${name}/m`, tensor: tf.clone(m) }, { name: `${name}/v`, tensor: tf.clone(v) });
    }
    return weights;
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
    const byName = new Map(weights.map((w) => [w.name, w.tensor]));
    this.iteration = (await byName.get('iter')?.data())?.[0] ?? 0;
    for (const [key, tensor] of byName) {
      if (!key.endsWith('/m')) continue;
      const name = key.slice(0, -2);
      const v = byName.get(`${name}/v`);
      if (v) this.moments.set(name, { m: tf.variable(tensor, false), v: tf.variable(v, false) });
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, fused: this.fused };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config.learningRate, config.beta1, config.beta2, config.epsilon, config.fused ?? true);
  }
}
tf.serialization.registerClass(LeanAdam);

/**
 * Applies `steps` in order, disposing each intermediate (and the last input
 * when it is one of them) as soon as the next exists. `first` is not disposed.
 */
function chain(first: tf.Tensor, ...steps: Array<(x: tf.Tensor) => tf.Tensor>): tf.Tensor {
  let current = first;
  for (const step of steps) {
    const next = step(current);
    if (current !== first) current.dispose();
    current = next;
  }
  return current;
}

