import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { builtInRecurrentKind } from './recurrent-layout.js';

type Activation = (v: Float64Array) => void;

/** Element-wise activations of tfjs-layers, in place (float64 scratch). */
const ACTIVATIONS: Record<string, Activation> = {
  linear: () => undefined,
  relu: (v) => {
    for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = 0;
  },
  tanh: (v) => {
    for (let i = 0; i < v.length; i++) v[i] = Math.tanh(v[i]);
  },
  sigmoid: (v) => {
    for (let i = 0; i < v.length; i++) v[i] = 1 / (1 + Math.exp(-v[i]));
  },
  // tfjs-layers' hardSigmoid: clip(0.2 x + 0.5, 0, 1).
  hardSigmoid: (v) => {
    for (let i = 0; i < v.length; i++) v[i] = Math.min(1, Math.max(0, 0.2 * v[i] + 0.5));
  },
  softmax: (v) => {
    let max = -Infinity;
    for (let i = 0; i < v.length; i++) max = Math.max(max, v[i]);
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += v[i] = Math.exp(v[i] - max);
    for (let i = 0; i < v.length; i++) v[i] /= sum;
  },
};

/** One step of the head: maps a float64 vector to the next one. */
type HeadStep = (x: Float64Array) => Float64Array;

interface Lstm {
  units: number;
  features: number;
  /** [K, 4H] on the backend: the one big matMul goes there. */
  kernel: tf.Tensor2D;
  /** The same [K, 4H] row-major in JS, when it is small enough to project in JS (`jsProjectionMaxMacs`). */
  kernelValues: Float32Array | null;
  /** [H, 4H] row-major. */
  recurrent: Float32Array;
  bias: Float32Array | null;
  activation: Activation;
  recurrentActivation: Activation;
}

/**
 * Below this many multiply-adds ([T, K] x [K, 4H]) the input projection runs
 * in JS too: a backend matMul costs a tensor upload, a dispatch and a
 * download (0.3-0.5 ms on wasm), more than the arithmetic of a compact model
 * (the CNN-LSTM's 16 x 40 x 80 is about 50k multiply-adds, 0.05 ms in JS).
 */
export const JS_PROJECTION_MAX_MACS = 1 << 19;

const config = (layer: tfl.layers.Layer) => layer.getConfig() as Record<string, unknown>;

function activationOf(name: unknown, layer: tfl.layers.Layer): Activation {
  const fn = typeof name === 'string' ? ACTIVATIONS[name] : undefined;
  if (!fn) throw unsupported(layer, `activation ${JSON.stringify(name)}`);
  return fn;
}

function unsupported(layer: tfl.layers.Layer, what: string): InvalidArgumentError {
  return new InvalidArgumentError('model', `layer '${layer.name}' (${layer.getClassName()}): ${what}`,
    'an LSTM (last output only) followed by Dense, BatchNormalization, Activation or Dropout layers');
}

const data = (t: tf.Tensor) => t.dataSync() as Float32Array;

function readLstm(layer: tfl.layers.Layer, jsProjectionMaxMacs: number): Lstm {
  const c = config(layer);
  for (const flag of ['returnSequences', 'returnState', 'goBackwards', 'stateful'] as const) {
    if (c[flag] === true) throw unsupported(layer, `${flag} is set`);
  }
  const weights = layer.getWeights();
  const useBias = c.useBias !== false;
  const [kernel, recurrent, bias] = weights;
  const units = recurrent?.shape[0];
  if (weights.length !== (useBias ? 3 : 2) || kernel.rank !== 2 || units == null || kernel.shape[1] !== 4 * units) {
    throw unsupported(layer, `weights ${weights.map((w) => `[${w.shape}]`).join(' ')}`);
  }
  return {
    units,
    features: kernel.shape[0],
    kernel: kernel as tf.Tensor2D,
    kernelValues: kernel.size <= jsProjectionMaxMacs ? data(kernel).slice() : null,
    recurrent: data(recurrent).slice(),
    bias: useBias ? data(bias).slice() : null,
    activation: activationOf(c.activation, layer),
    recurrentActivation: activationOf(c.recurrentActivation, layer),
  };
}

function denseStep(layer: tfl.layers.Layer, inputs: number): { step: HeadStep; outputs: number } {
  const c = config(layer);
  const weights = layer.getWeights();
  const kernel = weights[0];
  const [rows, outputs] = kernel?.shape ?? [];
  if (kernel?.rank !== 2 || rows !== inputs || outputs == null) throw unsupported(layer, `kernel [${kernel?.shape}] after ${inputs} features`);
  const w = data(kernel).slice();
  const b = c.useBias !== false ? data(weights[1]).slice() : null;
  const activation = activationOf(c.activation, layer);
  return {
    outputs,
    step: (x) => {
      const y = new Float64Array(outputs);
      if (b) for (let j = 0; j < outputs; j++) y[j] = b[j];
      addProduct(x, 0, inputs, w, outputs, y, 0);
      activation(y);
      return y;
    },
  };
}

/** Inference-mode batch norm folded into one scale and shift per feature. */
function batchNormStep(layer: tfl.layers.Layer, inputs: number): HeadStep {
  const c = config(layer);
  const axis = c.axis;
  if (axis !== -1 && axis !== 1 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 1))) {
    throw unsupported(layer, `axis ${JSON.stringify(axis)}`);
  }
  const weights = layer.getWeights().map((w) => data(w));
  const scale = c.scale !== false;
  const center = c.center !== false;
  if (weights.length !== 2 + Number(scale) + Number(center) || weights.some((w) => w.length !== inputs)) {
    throw unsupported(layer, `${weights.length} weights for ${inputs} features`);
  }
  const gamma = scale ? weights.shift()! : null;
  const beta = center ? weights.shift()! : null;
  const [mean, variance] = weights;
  const epsilon = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
  const mul = new Float64Array(inputs);
  const add = new Float64Array(inputs);
  for (let i = 0; i < inputs; i++) {
    mul[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + epsilon);
    add[i] = (beta ? beta[i] : 0) - mean[i] * mul[i];
  }
  return (x) => {
    for (let i = 0; i < inputs; i++) x[i] = x[i] * mul[i] + add[i];
    return x;
  };
}

/**
 * out[o, o + G) += x[xo, xo + K) W for W [K, G] row-major, skipping zero
 * inputs (pruned-away features and units, ReLU outputs): the one product the
 * input projection, the recurrence and the dense head all use.
 */
function addProduct(x: ArrayLike<number>, xo: number, K: number, w: Float32Array, G: number, out: Float64Array, o: number): void {
  for (let k = 0; k < K; k++) {
    const xk = x[xo + k];
    if (xk === 0) continue;
    const row = k * G;
    for (let j = 0; j < G; j++) out[o + j] += xk * w[row + j];
  }
}

/** [T, K] x [K, G], both row-major. */
function projectInJs(x: Float32Array, kernel: Float32Array, steps: number, K: number, G: number): Float64Array {
  const out = new Float64Array(steps * G);
  for (let t = 0; t < steps; t++) addProduct(x, t * K, K, kernel, G, out, t * G);
  return out;
}

/** The model's layers after its input, checked to form one chain from input to output. */
function chainOf(model: tfl.LayersModel): tfl.layers.Layer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || layers.length === 0) {
    throw new InvalidArgumentError('model', `${model.inputs.length} inputs, ${model.outputs.length} outputs`, 'one input and one output');
  }
  layers.forEach((layer, i) => {
    const nodes = layer.inboundNodes;
    const from = nodes.length === 1 ? nodes[0].inboundLayers : [];
    const expected = i === 0 ? 'InputLayer' : layers[i - 1].name;
    const ok = from.length === 1 && (i === 0 ? from[0].getClassName() === 'InputLayer' : from[0] === layers[i - 1]);
    if (!ok) throw unsupported(layer, `not a single chain (expected one input from ${expected})`);
  });
  if (model.outputs[0].sourceLayer !== layers[layers.length - 1]) throw unsupported(layers[layers.length - 1], 'is not the output');
  return layers;
}

/**
 * The forward pass of a compact model for one clip, without tfjs-layers'
 * per-op overhead, which dominates at compact sizes (dozens of small ops per
 * time step cost more than the arithmetic). The input projection, the one
 * sizeable product ([T, K] x [K, 4H]), is a single matMul on the current
 * backend (in JS too when it is small, see JS_PROJECTION_MAX_MACS); the
 * recurrence (H x 4H per step) and the head run in plain JavaScript on
 * float64 scratch. Results equal `model.predict` to float32
 * rounding.
 *
 * Supported: a built-in LSTM returning its last output (tfjs gate order
 * i, f, c, o) followed by any chain of Dense, BatchNormalization (inference
 * statistics), Activation and Dropout (identity at inference): what prune's
 * `compact` makes of the end-to-end model. `CompactForward.supports(model)`
 * says whether a model fits. Weights are read once: a later change to the
 * model's weights is not seen, and the model must outlive this object (it
 * reads the LSTM kernel in place).
 */
export class CompactForward {
  /** Input features per time step, K. */
  readonly features: number;
  /** LSTM units, H. */
  readonly units: number;
  /** Outputs of the last layer (classes). */
  readonly outputs: number;
  /** Time steps fixed by the model's input shape, or null when any length goes. */
  readonly timesteps: number | null;
  private readonly lstm: Lstm;
  private readonly jsProjectionMaxMacs: number;
  private readonly head: HeadStep[];

  /**
   * `jsProjectionMaxMacs`: largest input projection ([T, K] x [K, 4H]
   * multiply-adds) run in JS rather than as a backend matMul. Default:
   * JS_PROJECTION_MAX_MACS; 0 always uses the backend.
   */
  constructor(model: tfl.LayersModel, options: { jsProjectionMaxMacs?: number } = {}) {
    const [first, ...rest] = chainOf(model);
    // A compact model: its recurrent layer is tfjs's own, known by class name.
    if (builtInRecurrentKind(first) !== 'lstm') throw unsupported(first, 'the first layer must be an LSTM');
    this.jsProjectionMaxMacs = options.jsProjectionMaxMacs ?? JS_PROJECTION_MAX_MACS;
    if (!(this.jsProjectionMaxMacs >= 0)) throw new InvalidArgumentError('jsProjectionMaxMacs', this.jsProjectionMaxMacs, 'a number >= 0');
    this.lstm = readLstm(first, this.jsProjectionMaxMacs);
    this.features = this.lstm.features;
    this.units = this.lstm.units;
    this.timesteps = model.inputs[0].shape[1] ?? null;
    let width = this.units;
    this.head = [];
    for (const layer of rest) {
      const kind = layer.getClassName();
      if (kind === 'Dropout') continue;
      if (kind === 'Dense') {
        const dense = denseStep(layer, width);
        this.head.push(dense.step);
        width = dense.outputs;
      } else if (kind === 'BatchNormalization') {
        this.head.push(batchNormStep(layer, width));
      } else if (kind === 'Activation') {
        const fn = activationOf(config(layer).activation, layer);
        this.head.push((x) => (fn(x), x));
      } else {
        throw unsupported(layer, 'layer type not supported');
      }
    }
    this.outputs = width;
  }

  /** Null when `model` fits, else the reason it does not. */
  static supports(model: tfl.LayersModel): string | null {
    try {
      new CompactForward(model);
      return null;
    } catch (error) {
      if (InvalidArgumentError.isInstance(error)) return error.message;
      throw error;
    }
  }

  /** Runs one sequence: `x` holds [T, K] floats, time step after time step. Returns the model's output for it. */
  run(x: Float32Array): Float32Array {
    const K = this.features;
    if (!(x instanceof Float32Array) || x.length === 0 || x.length % K !== 0) {
      throw new InvalidArgumentError('x', x?.length, `a Float32Array of T x ${K} floats`);
    }
    const steps = x.length / K;
    if (this.timesteps != null && steps !== this.timesteps) {
      throw new InvalidArgumentError('x', `${steps} time steps`, `the model's ${this.timesteps}`);
    }
    const { units: H, recurrent, bias, activation, recurrentActivation } = this.lstm;
    const G = 4 * H;
    const { kernelValues } = this.lstm;
    const projected =
      kernelValues && steps * K * G <= this.jsProjectionMaxMacs
        ? projectInJs(x, kernelValues, steps, K, G)
        : tf.tidy(() => tf.matMul(tf.tensor2d(x, [steps, K]), this.lstm.kernel).dataSync() as Float32Array);
    const h = new Float64Array(H);
    const c = new Float64Array(H);
    const z = new Float64Array(G);
    const gates = [0, 1, 2, 3].map((g) => z.subarray(g * H, (g + 1) * H));
    const [zi, zf, zc, zo] = gates;
    for (let t = 0; t < steps; t++) {
      for (let j = 0; j < G; j++) z[j] = projected[t * G + j] + (bias ? bias[j] : 0);
      addProduct(h, 0, H, recurrent, G, z, 0);
      recurrentActivation(zi);
      recurrentActivation(zf);
      activation(zc);
      recurrentActivation(zo);
      for (let k = 0; k < H; k++) c[k] = zf[k] * c[k] + zi[k] * zc[k];
      const cAct = Float64Array.from(c);
      activation(cAct);
      for (let k = 0; k < H; k++) h[k] = zo[k] * cAct[k];
    }
    let y: Float64Array = Float64Array.from(h);
    for (const step of this.head) y = step(y);
    return Float32Array.from(y);
  }
}
