import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { hasVIBGates, type HasVIBGates } from '@tfjs-compress/vib';
import { LOG_D_WEIGHT_SUFFIX } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { inputShapeOf, linearChain } from './chain.js';
import { FeatureSelect } from './feature-select.js';
import { layerFromConfig } from './layer-clone.js';
import { range, roleOf, shortName, weightIndices, type ShrinkResult } from './shrink.js';

/** log D given to the gates of removed entries by `expandVIB`: with mu = 0, log alpha is about 28, pruned at any usual threshold. */
export const EXPANDED_LOG_D = 10;

/** Where everything a model still holds sat in the model before its first shrink. */
export interface ShrinkOrigin {
  /** Input features of the original model. */
  inputsBefore: number;
  /** Original input features the model reads, ascending. */
  keptInputs: number[];
  /** Per layer name: kept input features and units as positions in the original layer. */
  layers: Record<string, { inputs: { before: number; kept: number[] }; units: { before: number; kept: number[] } }>;
}

/** Adds one more `shrinkVIB` to an origin (null: the result is the first shrink). Never mutates its arguments. */
export function composeShrinkOrigin(origin: ShrinkOrigin | null, result: ShrinkResult): ShrinkOrigin {
  const shape = result.model.inputs[0].shape;
  const layers: ShrinkOrigin['layers'] = { ...(origin?.layers ?? {}) };
  for (const layer of result.layers) {
    const previous = origin?.layers[layer.name];
    const compose = (axis: 'inputs' | 'units') =>
      previous
        ? { before: previous[axis].before, kept: layer[axis].kept.map((p) => previous[axis].kept[p]) }
        : { before: layer[axis].before, kept: [...layer[axis].kept] };
    layers[layer.name] = { inputs: compose('inputs'), units: compose('units') };
  }
  return { inputsBefore: origin?.inputsBefore ?? (shape[shape.length - 1] as number), keptInputs: [...result.keptInputs], layers };
}

/** The value a removed entry of a weight gets: closed gates, neutral batch norm, zero weights. */
function fillValue(name: string): number {
  if (name.endsWith(LOG_D_WEIGHT_SUFFIX)) return EXPANDED_LOG_D;
  if (name === 'gamma' || name === 'moving_variance') return 1;
  return 0; // kernels, biases, mu (0: closed), beta, moving_mean
}

/** A tensor of `shape` filled with `fill`, holding `values` at the positions the index lists name. */
function scatter(values: tf.Tensor, shape: number[], indices: Array<number[] | null>, fill: number): tf.Tensor {
  const source = values.dataSync() as Float32Array;
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill);
  if (shape.length === 1) {
    const rows = indices[0] ?? range(shape[0]);
    rows.forEach((r, p) => (out[r] = source[p]));
  } else if (shape.length === 2) {
    const rows = indices[0] ?? range(shape[0]);
    const cols = indices[1] ?? range(shape[1]);
    const width = cols.length;
    rows.forEach((r, p) => {
      const base = r * shape[1];
      for (let q = 0; q < width; q++) out[base + cols[q]] = source[p * width + q];
    });
  } else {
    if (indices.some((list) => list != null)) throw new Error(`expandVIB: cannot scatter a rank-${shape.length} weight`);
    out.set(source);
  }
  return tf.tensor(out, shape);
}

/**
 * The inverse of shrinking: a model of the original sizes (and no leading
 * FeatureSelect) holding the shrunk model's weights where they came from,
 * zeros elsewhere, and closed gates (mu 0, log D 10) on every removed input
 * and unit. It computes what the shrunk model computes in hard-mask
 * inference, and `compact`, reports and pixel masks see the original
 * architecture, so a run trained with shrinking reports its compression
 * against the model it started from.
 */
export function expandVIB(model: tfl.LayersModel, origin: ShrinkOrigin): tfl.LayersModel {
  if (origin == null || !Array.isArray(origin.keptInputs) || origin.layers == null) {
    throw new InvalidArgumentError('origin', origin, 'a ShrinkOrigin from composeShrinkOrigin');
  }
  let chain = linearChain(model);
  if (chain[0] instanceof FeatureSelect) chain = chain.slice(1);
  const shape = inputShapeOf(model);
  const input = tfl.input({ shape: [...shape.slice(0, -1), origin.inputsBefore] as number[] });
  let x: tfl.SymbolicTensor = input;
  const created = chain.map((old) => {
    const role = roleOf(old);
    const entry = origin.layers[old.name];
    const config: tf.serialization.ConfigDict = { ...old.getConfig() };
    const frozen = hasVIBGates(old) && (old as HasVIBGates).vibGates.some((g) => g.settings.frozenMask);
    if (frozen) config.frozenMask = false;
    if ((role.kind === 'rnn' || role.kind === 'dense') && entry) {
      config.units = entry.units.before;
      config.kernelInitializer = 'zeros';
      if (role.kind === 'rnn') config.recurrentInitializer = 'zeros';
    }
    const layer = layerFromConfig(old.getClassName(), config);
    x = layer.apply(x) as tfl.SymbolicTensor;
    return { old, layer, role, entry, frozen };
  });
  const expanded = tfl.model({ inputs: input, outputs: x, name: model.name });
  for (const { old, layer, role, entry, frozen } of created) {
    const inDim = (old.input as tfl.SymbolicTensor).shape.at(-1) as number;
    const outDim = (old.output as tfl.SymbolicTensor).shape.at(-1) as number;
    const ins = entry?.inputs ?? { before: inDim, kept: range(inDim) };
    const outs = entry?.units ?? { before: outDim, kept: range(outDim) };
    const indicesOf = weightIndices(layer, role, ins.kept, ins.before, outs.kept, outs.before);
    const oldByName = new Map(old.weights.map((w) => [shortName(w), w]));
    for (const to of layer.weights) {
      const name = shortName(to);
      const from = oldByName.get(name);
      if (from == null) throw new Error(`expandVIB: layer '${old.name}' has no weight '${name}'`);
      const indices = indicesOf(name, (to.shape as number[]).length);
      const values = scatter(from.read(), to.shape as number[], indices, fillValue(name));
      to.write(values);
      values.dispose();
    }
    if (frozen) (layer as unknown as HasVIBGates).setFrozenMask(true);
  }
  return expanded;
}
