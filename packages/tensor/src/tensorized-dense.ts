import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { resolveInitializer, resolveRegularizer, serializeObject, type InitializerSpec, type RegularizerSpec } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError, assertBoolean, assertFiniteNumber, assertPositiveInteger } from '@tfjs-compress/common';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers.js';
import { ACTIVATION_NAMES, resolveActivation } from '@tfjs-compress/vib-rnn';
import type { RankSpec, TensorFormat } from './ranks.js';
import { product, validateShape } from './shapes.js';
import { coreInitializers } from './core-initializer.js';
import { factorizedFormat, type TensorizedShape } from './factorized-format.js';
import { FactorizedMatrix } from './factorized-matrix.js';

export const DEFAULT_USE_BIAS = true;

/** Activations that act on the whole last axis, on top of vib-rnn's element-wise ones. */
const AXIS_ACTIVATIONS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  softmax: (x) => tf.softmax(x),
  logSoftmax: (x) => tf.logSoftmax(x),
};

function activationFor(name: string): (x: tf.Tensor) => tf.Tensor {
  const axis = AXIS_ACTIVATIONS[name];
  if (axis) return axis;
  if (!ACTIVATION_NAMES.includes(name)) {
    throw new InvalidArgumentError('activation', name, `one of ${[...ACTIVATION_NAMES, ...Object.keys(AXIS_ACTIVATIONS)].join(', ')}`);
  }
  return resolveActivation(name, 'activation');
}
export const TENSORIZED_DENSE_DEFAULT_ACTIVATION = 'linear';
export const DEFAULT_BIAS_INITIALIZER = 'zeros';

export interface TensorizedDenseArgs extends LayerArgs {
  /** Output size. Required unless `outShape` is given (then it defaults to its product). */
  units?: number;
  /**
   * Factorisation [m_1..m_d] of the input size (product must equal it).
   * Default: balanced factorisation of the input size into `order` factors.
   */
  inShape?: number[];
  /** Factorisation [n_1..n_d] of `units`. Default: balanced factorisation of `units`. */
  outShape?: number[];
  /** Number of cores d when neither shape is given. Default: 3 (DEFAULT_ORDER). */
  order?: number;
  /**
   * Ranks: an integer, a full list of d + 1 ranks, or a fraction in (0, 1) of
   * the dense parameter count. Default: 8 (DEFAULT_RANK).
   */
  ranks?: RankSpec;
  /** Add a bias vector. Default: true. */
  useBias?: boolean;
  /** Activation name as in `tf.layers.dense` ('relu', 'tanh', 'softmax', ...). Default: 'linear'. */
  activation?: string;
  /**
   * Initializer of every core. Default: zero-mean normal cores scaled so the
   * reconstructed kernel has Glorot's variance 2 / (fanIn + fanOut) (see `coreStddev`).
   */
  coresInitializer?: InitializerSpec;
  /** Initializer of the bias. Default: 'zeros'. */
  biasInitializer?: InitializerSpec;
  /** Regularizer applied to each core (e.g. 'l1l2'). Default: none. */
  coresRegularizer?: RegularizerSpec;
  /** Regularizer of the bias. Default: none. */
  biasRegularizer?: RegularizerSpec;
  /** Seed of the default core initializer. Default: unseeded. */
  seed?: number;
}

/**
 * What TTDense, TRDense and FactorizedDense share: a dense layer whose kernel is a
 * `FactorizedMatrix` of the subclass's format, its cores the layer's weights
 * (`core_0` .. `core_{d-1}`, then `bias`). The forward pass contracts the
 * cores with the input; the dense kernel is never built except by `toDense()`.
 */
export abstract class TensorizedDense extends tfl.layers.Layer {
  readonly format: TensorFormat;
  readonly units: number | undefined;
  readonly useBias: boolean;
  readonly activation: string;
  readonly seed: number | undefined;
  private readonly activationFn: (x: tf.Tensor) => tf.Tensor;
  private readonly coresInitializer: Initializer | undefined;
  private readonly biasInitializer: Initializer;
  private readonly coresRegularizer: Regularizer | undefined;
  private readonly biasRegularizer: Regularizer | undefined;
  private readonly requested: Pick<TensorizedDenseArgs, 'inShape' | 'outShape' | 'order' | 'ranks'>;
  private matrix: FactorizedMatrix | null = null;
  private cores: tfl.LayerVariable[] = [];
  private bias: tfl.LayerVariable | null = null;

  protected constructor(args: TensorizedDenseArgs, format: TensorFormat) {
    super(args);
    this.format = factorizedFormat(format).name;
    if (args.units != null) assertPositiveInteger(args.units, 'units');
    const outShape = args.outShape != null ? validateShape(args.outShape, 'outShape', args.units) : undefined;
    if (args.units == null && outShape == null) {
      throw new InvalidArgumentError('units', args.units, 'a positive integer (or an outShape to take it from)');
    }
    const inShape = args.inShape != null ? validateShape(args.inShape, 'inShape') : undefined;
    if (args.order != null) assertPositiveInteger(args.order, 'order');
    this.units = args.units ?? product(outShape!);
    this.useBias = args.useBias ?? DEFAULT_USE_BIAS;
    assertBoolean(this.useBias, 'useBias');
    this.activation = args.activation ?? TENSORIZED_DENSE_DEFAULT_ACTIVATION;
    this.activationFn = activationFor(this.activation);
    if (args.seed != null) assertFiniteNumber(args.seed, 'seed');
    this.seed = args.seed ?? undefined;
    this.coresInitializer = resolveInitializer(args.coresInitializer, 'coresInitializer');
    this.biasInitializer = resolveInitializer(args.biasInitializer ?? DEFAULT_BIAS_INITIALIZER, 'biasInitializer')!;
    this.coresRegularizer = resolveRegularizer(args.coresRegularizer, 'coresRegularizer');
    this.biasRegularizer = resolveRegularizer(args.biasRegularizer, 'biasRegularizer');
    this.requested = { inShape, outShape, order: args.order, ranks: args.ranks };
    // Resolve (and so validate) shapes and ranks now when the input size is known.
    if (inShape != null) this.resolve(product(inShape));
  }

  private resolve(inputSize: number): FactorizedMatrix {
    if (this.matrix == null) {
      this.matrix = FactorizedMatrix.resolve({ format: this.format, rows: inputSize, cols: this.units!, ...this.requested });
    } else if (product(this.matrix.inShape) !== inputSize) {
      throw new InvalidArgumentError('inShape', this.matrix.inShape, `factors whose product equals the input size ${inputSize}`);
    }
    return this.matrix;
  }

  /** Resolved shapes and ranks (after construction with `inShape`, or after build). */
  get tensorShape(): TensorizedShape {
    const { inShape, outShape, ranks } = this.factorized;
    return { inShape, outShape, ranks };
  }

  /** The factorised kernel the layer delegates to (after construction with `inShape`, or after build). */
  get factorized(): FactorizedMatrix {
    if (this.matrix == null) throw new Error(`${this.getClassName()} '${this.name}' is not built yet.`);
    return this.matrix;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inputSize = shape[shape.length - 1];
    if (inputSize == null) throw new InvalidArgumentError('input shape', shape, 'a defined last dimension');
    const matrix = this.resolve(inputSize);
    const initializers = coreInitializers(matrix, this.coresInitializer, this.seed);
    this.cores = matrix.coreShapes.map((coreShape, k) =>
      this.addWeight(`core_${k}`, coreShape, 'float32', initializers[k], this.coresRegularizer),
    );
    matrix.bind(this.cores);
    this.bias = this.useBias
      ? this.addWeight('bias', [this.units!], 'float32', this.biasInitializer, this.biasRegularizer)
      : null;
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...shape.slice(0, -1), this.units!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const inputSize = x.shape[x.rank - 1];
      const rows = tf.reshape(x, [-1, inputSize]) as tf.Tensor2D;
      let y: tf.Tensor = this.builtMatrix().matmul(rows);
      if (this.bias) y = tf.add(y, this.bias.read());
      y = this.activationFn(y);
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.units!]);
    });
  }

  private builtMatrix(): FactorizedMatrix {
    if (this.cores.length === 0) throw new Error(`${this.getClassName()} '${this.name}' is not built yet.`);
    return this.factorized;
  }

  /** The dense kernel [inputSize, units] the cores represent (caller disposes). */
  toDense(): tf.Tensor2D {
    return this.builtMatrix().toDense();
  }

  /** Replaces the cores (shapes must match) and optionally the bias. */
  setCores(cores: readonly tf.Tensor[], bias?: tf.Tensor): void {
    this.factorized.checkCores(cores);
    this.cores.forEach((variable, k) => variable.write(cores[k]));
    if (bias != null && this.bias) this.bias.write(bias);
  }

  /** Trainable parameters: core entries plus the bias. */
  paramCount(): number {
    return this.factorized.paramCount() + (this.useBias ? this.units! : 0);
  }

  /** Floating-point operations per example row (multiply-add = 2), bias included, activation not. */
  flopsPerExample(): number {
    return this.factorized.flopsPerRow() + (this.useBias ? this.units! : 0);
  }

  /** Parameters of the equivalent `tf.layers.dense` divided by `paramCount()`. */
  compressionRatio(): number {
    const dense = product(this.factorized.inShape) * this.units! + (this.useBias ? this.units! : 0);
    return dense / this.paramCount();
  }

  override getConfig(): tf.serialization.ConfigDict {
    const shape = this.matrix;
    const ranks = shape ? [...shape.ranks] : this.requested.ranks;
    const config: tf.serialization.ConfigDict = {
      units: this.units!,
      inShape: shape ? [...shape.inShape] : (this.requested.inShape ?? null),
      outShape: shape ? [...shape.outShape] : (this.requested.outShape ?? null),
      order: shape ? shape.inShape.length : (this.requested.order ?? null),
      ranks: (ranks ?? null) as tf.serialization.ConfigDictValue,
      useBias: this.useBias,
      activation: this.activation,
      coresInitializer: serializeObject(this.coresInitializer as tf.serialization.Serializable | undefined),
      biasInitializer: serializeObject(this.biasInitializer as unknown as tf.serialization.Serializable),
      coresRegularizer: serializeObject(this.coresRegularizer as tf.serialization.Serializable | undefined),
      biasRegularizer: serializeObject(this.biasRegularizer as tf.serialization.Serializable | undefined),
      seed: this.seed ?? null,
    };
    return { ...super.getConfig(), ...config };
  }
}

/** Builds the layer class of a format from its args (TTDense for 'tensor-train', ...). */
export type TensorizedDenseFactory = (args: TensorizedDenseArgs) => TensorizedDense;

const denseFactories = new Map<string, TensorizedDenseFactory>();

/** Names the layer class `fromDense` builds for a registered format (TTDense for 'tensor-train'). */
export function registerTensorizedDense(format: TensorFormat, create: TensorizedDenseFactory): void {
  denseFactories.set(factorizedFormat(format).name, create);
}

/** The factory registered for `format`, if any (`fromDense` falls back to `FactorizedDense`). */
export function tensorizedDenseFactory(format: TensorFormat): TensorizedDenseFactory | undefined {
  return denseFactories.get(format);
}
