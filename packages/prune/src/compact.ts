import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, assertFiniteNumber } from '@tfjs-compress/vib';
import { applyActivation, activationName, zeroingInput } from './activation.js';
import { inputShapeOf, linearChain } from './chain.js';
import { assertGatesEvaluateHard } from './gate-mode-check.js';
import { FeatureSelect } from './feature-select.js';
import { deadFeatures, fullState, isFull, keptState, liveFeatures, liveScale, type FeatureState } from './feature-state.js';
import { cloneLayer, readWeights } from './layer-clone.js';
import { CANDIDATE_BLOCK, isRecurrentClass, readRecurrent, type RecurrentSource } from './recurrent-source.js';
import { compressionReport, type CompressionReport } from './report.js';

export interface CompactOptions {
  /**
   * log alpha threshold applied to every VIB gate (a unit is pruned when
   * log alpha >= threshold). Default: each gate's own `threshold` setting (0).
   */
  threshold?: number;
  /** Sequence length for the FLOP counts of the report. Default: the model input's, else 1. */
  timesteps?: number;
  /**
   * Compact even when gates evaluate in 'weighted' or 'mean' mode: the result
   * then reproduces the hard-mask model, not the model as it evaluates.
   * Default: false (such a model is refused with what to do).
   */
  allowSoftGates?: boolean;
}

/** How one original layer was compacted. */
export interface CompactedLayer {
  name: string;
  className: string;
  /** Built-in class in the compact model, or null when the layer disappears (VIBLayer). */
  compactClassName: string | null;
  inputsBefore: number;
  inputsAfter: number;
  unitsBefore: number;
  unitsAfter: number;
  /** Hidden units kept (original indices), for recurrent layers. */
  keptUnits: number[] | null;
}

export interface CompactResult {
  /** Built-in layers only: loads with plain `tf.loadLayersModel`. */
  model: tfl.LayersModel;
  /** Original input feature indices the compact model reads, ascending: feed `x[..., keptInputs]`. */
  keptInputs: number[];
  /** Original indices of the compact model's output features (all of them after a dense head). */
  outputFeatures: number[];
  layers: CompactedLayer[];
  report: CompressionReport;
}

/** Per-feature layers that are the identity at inference. */
const IDENTITY_CLASSES = new Set(['Dropout', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'SpatialDropout1D']);

interface Step {
  out: FeatureState;
  /** Live input features the layer actually reads (non-zero weights, open input gate). */
  read: number[];
  /** True when feature j of the output is feature j of the input (so input pruning passes through). */
  perFeature: boolean;
  info: CompactedLayer;
  /** Creates the compact layer and its weights (null: the layer disappears). */
  build(): { layer: tfl.layers.Layer; weights: tf.Tensor[] } | null;
}

function info(layer: tfl.layers.Layer, state: FeatureState, out: FeatureState, compactClassName: string | null, keptUnits: number[] | null = null): CompactedLayer {
  return {
    name: layer.name,
    className: layer.getClassName(),
    compactClassName,
    inputsBefore: state.dim,
    inputsAfter: state.physical.length,
    unitsBefore: out.dim,
    unitsAfter: out.physical.length,
    keptUnits,
  };
}

function rowIsZero(matrix: Float32Array, cols: number, row: number): boolean {
  for (let c = 0; c < cols; c++) if (matrix[row * cols + c] !== 0) return false;
  return true;
}

/** bias + sum_j constants[j] * scale[j] * kernel[j, :] over the non-live features. */
function foldConstants(kernel: Float32Array, cols: number, bias: Float32Array, state: FeatureState, scale?: Float32Array): Float32Array {
  const folded = new Float64Array(bias);
  for (const j of deadFeatures(state)) {
    const c = state.constants[j] * (scale ? scale[j] : 1);
    if (c === 0) continue;
    for (let k = 0; k < cols; k++) folded[k] += c * kernel[j * cols + k];
  }
  return Float32Array.from(folded);
}

/** matrix[rows, columns] with row r scaled by rowScale[r]. */
function gatherMatrix(matrix: Float32Array, cols: number, rows: number[], columns: number[], rowScale?: Float32Array): Float32Array {
  const out = new Float32Array(rows.length * columns.length);
  rows.forEach((r, p) => {
    const s = rowScale ? rowScale[r] : 1;
    if (s === 0) return;
    columns.forEach((c, q) => {
      out[p * columns.length + q] = s * matrix[r * cols + c];
    });
  });
  return out;
}

function denseStep(layer: tfl.layers.Layer, state: FeatureState, keep: number[] | undefined): Step {
  const [kernelW, biasW] = readWeights(layer);
  const units = kernelW.shape[1];
  const config = layer.getConfig();
  const bias = biasW ? biasW.values : new Float32Array(units);
  const folded = foldConstants(kernelW.values, units, bias, state);
  const out = keep ? keptState(units, keep) : fullState(units);
  return {
    out,
    read: liveFeatures(state).filter((j) => !rowIsZero(kernelW.values, units, j)),
    perFeature: false,
    info: info(layer, state, out, 'Dense'),
    build: () => {
      const columns = out.physical;
      const biasOut = Float32Array.from(columns, (c) => folded[c]);
      const useBias = config.useBias !== false || biasOut.some((v) => v !== 0);
      const compact = tfl.layers.dense({
        name: layer.name,
        units: columns.length,
        activation: activationName(config.activation, 'linear') as never,
        useBias,
        kernelInitializer: 'zeros',
      });
      const kernel = gatherMatrix(kernelW.values, units, state.physical, columns, liveScale(state));
      const weights: tf.Tensor[] = [tf.tensor2d(kernel, [state.physical.length, columns.length])];
      if (useBias) weights.push(tf.tensor1d(biasOut));
      return { layer: compact, weights };
    },
  };
}

function vibLayerStep(layer: tfl.layers.Layer, state: FeatureState, threshold: number | undefined, rank: number): Step {
  const vib = layer as unknown as { axis: number; mask(threshold?: number): tf.Tensor1D };
  if (vib.axis !== -1 && vib.axis !== rank - 1) {
    throw new InvalidArgumentError('model', `layer '${layer.name}' (VIBLayer, axis ${vib.axis})`, 'VIBLayers on the last (feature) axis');
  }
  const mask = tf.tidy(() => (vib.mask(threshold).dataSync() as Float32Array).slice());
  const constants = state.constants.map((c, j) => (state.live.has(j) ? 0 : c * mask[j]));
  const live = new Set([...state.live].filter((j) => mask[j] !== 0));
  const out: FeatureState = { dim: state.dim, physical: state.physical, live, constants };
  return { out, read: liveFeatures(state), perFeature: true, info: info(layer, state, out, null), build: () => null };
}

function activationStep(layer: tfl.layers.Layer, state: FeatureState): Step {
  const name = activationName(layer.getConfig().activation, 'linear');
  const dead = deadFeatures(state);
  const values = applyActivation(name, dead.map((j) => state.constants[j]));
  const constants = new Float32Array(state.dim);
  dead.forEach((j, i) => (constants[j] = values[i]));
  const out = { ...state, constants };
  return { out, read: liveFeatures(state), perFeature: true, info: info(layer, state, out, 'Activation'), build: () => ({ layer: cloneLayer(layer), weights: [] }) };
}

function identityStep(layer: tfl.layers.Layer, state: FeatureState): Step {
  return { out: state, read: liveFeatures(state), perFeature: true, info: info(layer, state, state, layer.getClassName()), build: () => ({ layer: cloneLayer(layer), weights: [] }) };
}

function batchNormStep(layer: tfl.layers.Layer, state: FeatureState, rank: number): Step {
  const config = layer.getConfig();
  const axis = (config.axis as number) ?? -1;
  if (axis !== -1 && axis !== rank - 1) {
    throw new InvalidArgumentError('model', `layer '${layer.name}' (BatchNormalization, axis ${axis})`, 'batch normalization on the last axis');
  }
  const weights = readWeights(layer);
  const byName = (suffix: string) => weights.find((w) => w.name.endsWith(suffix))?.values ?? null;
  const gamma = byName('gamma');
  const beta = byName('beta');
  const mean = byName('moving_mean')!;
  const variance = byName('moving_variance')!;
  const epsilon = (config.epsilon as number) ?? 1e-3;
  const constants = new Float32Array(state.dim);
  for (const j of deadFeatures(state)) {
    const normalised = (state.constants[j] - mean[j]) / Math.sqrt(variance[j] + epsilon);
    constants[j] = normalised * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
  }
  const out = { ...state, constants };
  return {
    out,
    read: liveFeatures(state),
    perFeature: true,
    info: info(layer, state, out, 'BatchNormalization'),
    build: () => ({
      layer: cloneLayer(layer),
      weights: weights.map((w) => tf.tensor1d(Float32Array.from(state.physical, (j) => w.values[j]))),
    }),
  };
}

function genericStep(layer: tfl.layers.Layer, state: FeatureState): Step {
  if (!isFull(state)) {
    throw new InvalidArgumentError(
      'model',
      `layer '${layer.name}' (${layer.getClassName()})`,
      'layers compact can shrink through (Dense, LSTM, GRU, their VIB versions, VIBLayer, BatchNormalization, ' +
        'Activation, dropout); this layer receives pruned features',
    );
  }
  const shape = (layer.output as tfl.SymbolicTensor).shape;
  const dim = shape[shape.length - 1];
  if (dim == null) throw new InvalidArgumentError('model', `layer '${layer.name}'`, 'layers with a defined output feature size');
  const out = fullState(dim);
  return {
    out,
    read: liveFeatures(state),
    perFeature: false,
    info: info(layer, state, out, layer.getClassName()),
    build: () => ({ layer: cloneLayer(layer), weights: layer.getWeights().map((w) => w.clone()) }),
  };
}

/** Which hidden units can go, and the gates of kept units that must be forced to 0. */
function planUnits(src: RecurrentSource, folded: Float32Array, state: FeatureState, name: string) {
  const { units: H, gates: G, kind } = src;
  const cols = G * H;
  const actZero = applyActivation(src.activation, [0])[0] === 0;
  const candidateIsZero = (k: number) => {
    const c = CANDIDATE_BLOCK * H + k;
    if (folded[c] !== 0) return false;
    for (const j of state.live) if (src.inputMask[j] !== 0 && src.kernel[j * cols + c] !== 0) return false;
    for (let r = 0; r < H; r++) if (src.recurrent[r * cols + c] !== 0) return false;
    return true;
  };
  const m = src.gateMasks;
  const dead = (k: number) =>
    kind === 'lstm'
      ? m[3][k] === 0 || ((m[0][k] === 0 || m[2][k] === 0 || candidateIsZero(k)) && actZero)
      : m[2][k] === 0 || (candidateIsZero(k) && actZero);
  const kept: number[] = [];
  for (let k = 0; k < H; k++) if (!dead(k)) kept.push(k);
  // Kept units may still have a closed gate (LSTM forget, GRU update/reset): pin its pre-activation.
  const forced = new Map<number, number>();
  for (let b = 0; b < G; b++) {
    const activation = b === CANDIDATE_BLOCK ? src.activation : src.recurrentActivation;
    for (const k of kept) {
      if (m[b][k] !== 0) continue;
      const value = zeroingInput(activation);
      if (value == null) {
        throw new InvalidArgumentError(
          'model',
          `layer '${name}' (activation '${activation}')`,
          'an activation that outputs exactly 0 for some input (needed to reproduce a closed gate of a kept unit)',
        );
      }
      forced.set(b * H + k, value);
    }
  }
  return { kept, forced };
}

function recurrentStep(layer: tfl.layers.Layer, state: FeatureState, threshold: number | undefined): Step {
  const config = layer.getConfig();
  for (const flag of ['returnState', 'stateful'] as const) {
    if (config[flag] === true) {
      throw new InvalidArgumentError('model', `layer '${layer.name}' (${layer.getClassName()}, ${flag})`, `recurrent layers without ${flag} (unsupported)`);
    }
  }
  const src = readRecurrent(layer, threshold);
  const { units: H, gates: G } = src;
  const cols = G * H;
  const folded = foldConstants(src.kernel, cols, src.bias, state, src.inputMask);
  const { kept, forced } = planUnits(src, folded, state, layer.name);
  if (kept.length === 0) {
    throw new InvalidArgumentError(
      'threshold',
      threshold ?? 'gate default',
      `a threshold that keeps at least one hidden unit: every unit of layer '${layer.name}' is pruned, so the model's output no longer depends on its input`,
    );
  }
  const columns: number[] = [];
  for (let b = 0; b < G; b++) for (const k of kept) columns.push(b * H + k);
  const out = keptState(H, kept);
  const read = liveFeatures(state).filter((j) => src.inputMask[j] !== 0 && !rowIsZero(src.kernel, cols, j));
  const compactClassName = src.kind === 'lstm' ? 'LSTM' : 'GRU';
  return {
    out,
    read,
    perFeature: false,
    info: info(layer, state, out, compactClassName, kept),
    build: () => {
      const kernel = gatherMatrix(src.kernel, cols, state.physical, columns, liveScale(state, src.inputMask));
      const recurrent = gatherMatrix(src.recurrent, cols, kept, columns);
      const bias = Float32Array.from(columns, (c) => folded[c]);
      columns.forEach((c, q) => {
        const value = forced.get(c);
        if (value == null) return;
        bias[q] = value;
        for (let p = 0; p < state.physical.length; p++) kernel[p * columns.length + q] = 0;
        for (let p = 0; p < kept.length; p++) recurrent[p * columns.length + q] = 0;
      });
      const useBias = src.useBias || bias.some((v) => v !== 0);
      const args = {
        name: layer.name,
        units: kept.length,
        activation: src.activation as never,
        recurrentActivation: src.recurrentActivation as never,
        useBias,
        returnSequences: config.returnSequences === true,
        goBackwards: config.goBackwards === true,
        dropout: (config.dropout as number) ?? 0,
        recurrentDropout: (config.recurrentDropout as number) ?? 0,
        // The weights are overwritten: skip the (slow) default orthogonal initializer.
        kernelInitializer: 'zeros' as const,
        recurrentInitializer: 'zeros' as const,
      };
      const compact = src.kind === 'lstm' ? tfl.layers.lstm({ ...args, unitForgetBias: false }) : tfl.layers.gru(args);
      const weights: tf.Tensor[] = [
        tf.tensor2d(kernel, [state.physical.length, columns.length]),
        tf.tensor2d(recurrent, [kept.length, columns.length]),
      ];
      if (useBias) weights.push(tf.tensor1d(bias));
      return { layer: compact, weights };
    },
  };
}

function analyse(
  chain: tfl.layers.Layer[],
  input: FeatureState,
  threshold: number | undefined,
  denseKeep: Map<number, number[]> = new Map(),
): Step[] {
  const steps: Step[] = [];
  let state = input;
  chain.forEach((layer, index) => {
    const className = layer.getClassName();
    const rank = (layer.input as tfl.SymbolicTensor).shape.length;
    let step: Step;
    if (className === 'VIBLayer') step = vibLayerStep(layer, state, threshold, rank);
    else if (isRecurrentClass(className)) step = recurrentStep(layer, state, threshold);
    else if (className === 'Dense') step = denseStep(layer, state, denseKeep.get(index));
    else if (className === 'Activation') step = activationStep(layer, state);
    else if (className === 'BatchNormalization') step = batchNormStep(layer, state, rank);
    else if (IDENTITY_CLASSES.has(className)) step = identityStep(layer, state);
    else step = genericStep(layer, state);
    steps.push(step);
    state = step.out;
  });
  return steps;
}

/**
 * Features each column-droppable producer (the model input, index -1, and
 * Dense layers) must still output: what the next weight layer reads, or the
 * live model outputs when no weight layer follows.
 */
function neededOutputs(chain: tfl.layers.Layer[], steps: Step[]): Map<number, number[]> {
  const needed = new Map<number, number[]>();
  let producer: number | null = -1;
  steps.forEach((step, index) => {
    if (step.perFeature) return;
    if (producer != null) needed.set(producer, step.read);
    producer = chain[index].getClassName() === 'Dense' ? index : null;
  });
  const last = steps[steps.length - 1];
  if (producer != null && last != null) needed.set(producer, liveFeatures(last.out));
  return needed;
}

/**
 * Builds a physically smaller model of tfjs built-in layers that computes
 * what `model` computes in inference mode with hard VIB masks.
 *
 * Removed input features drop rows of the first kernel, removed hidden units
 * drop their gate columns, their recurrent-kernel row and the next layer's
 * input rows; Dense outputs that nothing reads are dropped too. Units are
 * removed when their VIB masks say so (LSTM: i, g or o closed; GRU: candidate
 * closed) or when their candidate weights are all exactly zero (group lasso,
 * structured magnitude pruning of plain layers). Closed gates of kept units
 * are reproduced with zero weights and a saturating bias; constant features
 * (pruned units after batch norm, ...) are folded into the next layer's bias.
 *
 * Linear-chain models only (Sequential or functional without branches). A
 * leading `FeatureSelect` (what `shrinkVIB` puts in front) is composed into
 * `keptInputs`, so a shrunk model compacts to the same model as the masked one.
 */
export function compact(model: tfl.LayersModel, options: CompactOptions = {}): CompactResult {
  if (options.threshold != null) assertFiniteNumber(options.threshold, 'threshold');
  if (options.allowSoftGates !== true) assertGatesEvaluateHard(model, options.threshold);
  let chain = linearChain(model);
  // A leading FeatureSelect (left by shrinkVIB) is folded into keptInputs.
  const select = chain[0] instanceof FeatureSelect ? chain[0] : null;
  if (select) chain = chain.slice(1);
  const modelShape = inputShapeOf(model);
  const inputShape = select ? [...modelShape.slice(0, -1), select.indices.length] : modelShape;
  const features = inputShape[inputShape.length - 1];
  if (features == null) throw new InvalidArgumentError('model', modelShape, 'an input with a defined feature size');
  // Pass 1 finds what every producer must output; pass 2 compacts with exactly that.
  const probe = analyse(chain, fullState(features), options.threshold);
  const needed = neededOutputs(chain, probe);
  const keptInputs = needed.get(-1) ?? fullState(features).physical;
  if (keptInputs.length === 0) {
    throw new InvalidArgumentError('threshold', options.threshold ?? 'gate default', 'a threshold that keeps at least one input feature: every input is pruned');
  }
  const steps = analyse(chain, keptState(features, keptInputs), options.threshold, needed);
  const last = steps[steps.length - 1]?.out;
  if (last != null && last.live.size !== last.physical.length) {
    throw new InvalidArgumentError(
      'model',
      `layer '${chain[chain.length - 1].name}'`,
      'a model whose output has no VIB-masked recurrent units (end it with a dense head)',
    );
  }
  const input = tfl.input({ shape: [...inputShape.slice(0, -1), keptInputs.length] as number[] });
  let output: tfl.SymbolicTensor = input;
  const built: { layer: tfl.layers.Layer; weights: tf.Tensor[] }[] = [];
  for (const step of steps) {
    const part = step.build();
    if (part == null) continue;
    output = part.layer.apply(output) as tfl.SymbolicTensor;
    built.push(part);
  }
  const compactModel = tfl.model({ inputs: input, outputs: output, name: `${model.name}_compact` });
  for (const { layer, weights } of built) {
    if (weights.length > 0) layer.setWeights(weights);
    tf.dispose(weights);
  }
  const original = (j: number) => (select ? select.indices[j] : j);
  return {
    model: compactModel,
    keptInputs: keptInputs.map(original),
    outputFeatures: last ? [...last.physical] : keptInputs.map(original),
    layers: steps.map((s) => s.info),
    report: compressionReport(model, compactModel, { timesteps: options.timesteps }),
  };
}
