import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { InvalidArgumentError, assertBoolean, assertFiniteNumber, assertNonNegative, assertOneOf } from '@tfjs-compress/common';
import type { SilencePlan } from './gated-layers.js';
import { NoiseStream } from './noise-stream.js';
import { resolveInitializer, serializeObject, type InitializerSpec } from './serialization.js';
import {
  DEFAULT_INFERENCE_MODE,
  DEFAULT_KL_FAC,
  DEFAULT_KL_MULT,
  DEFAULT_THRESHOLD,
  INFERENCE_MODES,
  VIBGate,
  defaultLogDInitializer,
  defaultMuInitializer,
  type InferenceMode,
  type VIBGateSettings,
} from './vib-gate.js';

export const DEFAULT_AXIS = -1;

/** Derives distinct, reproducible seeds for the pieces of one layer. */
export function offsetSeed(seed: number | undefined, offset: number): number | undefined {
  return seed === undefined ? undefined : seed + offset * 1009;
}

/** Options shared by every VIB gate (the layer's and the recurrent cells'). */
export interface VIBGateArgs {
  /** Initializer of mu. Default: randomNormal(mean 1, stddev 0.01), a near-identity gate. */
  muInitializer?: InitializerSpec;
  /** Initializer of logD = log sigma^2. Default: randomNormal(mean -9, stddev 0.01). */
  logDInitializer?: InitializerSpec;
  /** Multiplier inside the KL term (the reference uses 2 to 4), >= 0. Default: 2. */
  klMult?: number;
  /** Weight of the KL term in the loss (`klFac * KL` is added to the layer's losses), >= 0. Default: 1e-6. */
  klFac?: number;
  /** A unit is pruned when log alpha >= threshold. Default: 0. */
  threshold?: number;
  /** Inference factor: `'weighted'` (mask * mu), `'hard'` (mask) or `'mean'` (mu). Default: 'weighted'. */
  inferenceMode?: InferenceMode;
  /** Fine-tune mode: hard mask in training too, no KL, gate parameters not trainable. Default: false. */
  frozenMask?: boolean;
  /** Seed of the training noise (each call draws fresh noise from this stream). Default: unseeded. */
  seed?: number;
}

export interface VIBLayerArgs extends LayerArgs, VIBGateArgs {
  /** Feature axis the gate runs along (negative counts from the end; not the batch axis). Default: -1. */
  axis?: number;
}

/** Validates and resolves the gate options once; shared with the recurrent cells. */
export function resolveGateSettings(args: VIBGateArgs): VIBGateSettings {
  const settings: VIBGateSettings = {
    klMult: args.klMult ?? DEFAULT_KL_MULT,
    klFac: args.klFac ?? DEFAULT_KL_FAC,
    threshold: args.threshold ?? DEFAULT_THRESHOLD,
    inferenceMode: args.inferenceMode ?? DEFAULT_INFERENCE_MODE,
    frozenMask: args.frozenMask ?? false,
  };
  assertNonNegative(settings.klMult, 'klMult');
  assertNonNegative(settings.klFac, 'klFac');
  assertFiniteNumber(settings.threshold, 'threshold');
  assertOneOf(settings.inferenceMode, INFERENCE_MODES, 'inferenceMode');
  assertBoolean(settings.frozenMask, 'frozenMask');
  if (args.seed != null) assertFiniteNumber(args.seed, 'seed');
  return settings;
}

/** The gate options as they go into `getConfig()`. */
export function gateConfig(
  settings: VIBGateSettings,
  muInitializer: unknown,
  logDInitializer: unknown,
  seed: number | undefined,
): tf.serialization.ConfigDict {
  return {
    klMult: settings.klMult,
    klFac: settings.klFac,
    threshold: settings.threshold,
    inferenceMode: settings.inferenceMode,
    frozenMask: settings.frozenMask,
    muInitializer: serializeObject(muInitializer as tf.serialization.Serializable),
    logDInitializer: serializeObject(logDInitializer as tf.serialization.Serializable),
    seed: seed ?? null,
  };
}

/**
 * Variational Information Bottleneck gate as a layer (Dai et al. 2018): each
 * unit along `axis` is multiplied by z = mu + sigma * eps while training and
 * by a deterministic factor at inference. Units whose log alpha reaches the
 * threshold carry no information and can be removed.
 *
 * `klFac * KL` is registered as a layer loss, so `model.fit` and
 * `model.calculateLosses()` include it.
 */
export class VIBLayer extends tfl.layers.Layer {
  static className = 'VIBLayer';

  readonly axis: number;
  readonly settings: VIBGateSettings;
  readonly seed: number | undefined;
  private readonly muInitializer;
  private readonly logDInitializer;
  private readonly noise: NoiseStream;
  private gate: VIBGate | null = null;

  constructor(args: VIBLayerArgs = {}) {
    super(args);
    this.axis = args.axis ?? DEFAULT_AXIS;
    if (!Number.isInteger(this.axis) || this.axis === 0) {
      throw new InvalidArgumentError('axis', args.axis, 'a non-zero integer feature axis (0 is the batch axis)');
    }
    this.settings = resolveGateSettings(args);
    this.seed = args.seed ?? undefined;
    this.muInitializer = resolveInitializer(args.muInitializer, 'muInitializer') ?? defaultMuInitializer(this.seed);
    this.logDInitializer =
      resolveInitializer(args.logDInitializer, 'logDInitializer') ?? defaultLogDInitializer(offsetSeed(this.seed, 1));
    this.noise = new NoiseStream(offsetSeed(this.seed, 2));
    this.supportsMasking = true;
  }

  private featureAxis(rank: number): number {
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    if (axis <= 0 || axis >= rank) {
      throw new InvalidArgumentError('axis', this.axis, `an axis of an input of rank ${rank} other than the batch axis`);
    }
    return axis;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length < 2) {
      throw new InvalidArgumentError('input rank', shape.length, 'at least 2 ([batch, features, ...])');
    }
    const size = shape[this.featureAxis(shape.length)];
    if (size == null) {
      throw new InvalidArgumentError('input shape', shape, `a defined size along axis ${this.axis}`);
    }
    this.gate = new VIBGate(
      size,
      '',
      (name, weightShape, initializer, trainable) =>
        this.addWeight(name, weightShape, 'float32', initializer, undefined, trainable),
      this.muInitializer,
      this.logDInitializer,
      this.settings,
      this.noise,
    );
    this.addLoss(() => this.requireGate().loss());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const gate = this.requireGate();
      const axis = this.featureAxis(x.rank);
      const training = kwargs?.training === true;
      const factor = gate.factor(training, x.shape[0]);
      // Reshape the [batch, size] or [size] factor so it broadcasts along `axis`.
      const shape = x.shape.map((_, i) => (i === axis ? gate.size : i === 0 && factor.rank === 2 ? x.shape[0] : 1));
      return tf.mul(x, tf.reshape(factor, shape));
    });
  }

  private requireGate(): VIBGate {
    if (this.gate == null) throw new Error(`VIBLayer '${this.name}' is not built yet: call it on an input first.`);
    return this.gate;
  }

  /** log alpha per unit (caller disposes). */
  logAlpha(): tf.Tensor1D {
    return this.requireGate().logAlpha();
  }

  /** 1 for kept units, 0 for pruned ones (caller disposes). */
  mask(threshold = this.settings.threshold): tf.Tensor1D {
    return this.requireGate().mask(threshold);
  }

  keptUnits(threshold = this.settings.threshold): number[] {
    return this.requireGate().keptUnits(threshold);
  }

  /** The unscaled KL term of this gate. */
  kl(): tf.Scalar {
    return this.requireGate().kl();
  }

  setFrozenMask(frozen: boolean): void {
    this.settings.frozenMask = frozen;
    this.gate?.setFrozenMask(frozen, this);
  }

  setKlFac(klFac: number): void {
    assertNonNegative(klFac, 'klFac');
    this.settings.klFac = klFac;
  }

  /** Holds the listed features at 0 from now on (`VIBGate.silence`); `inputs` does not apply to this layer. */
  silence(plan: SilencePlan): void {
    if (plan.inputs?.length) throw new InvalidArgumentError(`silence plan of '${this.name}'`, plan, '{units}: a VIBLayer has no separate inputs');
    if (plan.units?.length) this.requireGate().silence(plan.units);
  }

  /** Restarts the seeded noise stream, so the next call draws the same noise as the first. */
  resetNoise(): void {
    this.noise.reset();
  }

  noisePositions(): number[] {
    return [this.noise.position];
  }

  seekNoise(positions: number[]): void {
    this.noise.seek(positions[0]);
  }

  get vibGates(): VIBGate[] {
    return this.gate ? [this.gate] : [];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      axis: this.axis,
      ...gateConfig(this.settings, this.muInitializer, this.logDInitializer, this.seed),
    };
  }
}
tf.serialization.registerClass(VIBLayer);
