import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { hasVIBGates, isGatedRecurrentLayer, type GatedRecurrentLayer, type HasVIBGates } from '@tfjs-compress/vib';
import { isPrunableLayer, sliceWeight, type PrunableLayer } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError, assertFiniteNumber } from '@tfjs-compress/common';
import { activationName, applyActivation } from './activation.js';
import { inputShapeOf, linearChain } from './chain.js';
import { FeatureSelect } from './feature-select.js';
import { range } from './feature-state.js';
import { layerFromConfig } from './layer-clone.js';

/**
 * Per layer name, the indices the VIB masks remove: `inputs` are the input
 * features of a recurrent layer's input gate, `units` its hidden units (or
 * the features of a `VIBLayer`). Indices count in the model as it is now.
 */
export type ShrinkPlan = Record<string, { inputs?: number[]; units?: number[] }>;

export interface ShrinkOptions {
  /**
   * log alpha threshold for `planShrink` (a unit goes when log alpha >= threshold).
   * Default: each gate's own `threshold` setting (0).
   */
  threshold?: number;
  /** What may be removed (e.g. only units pruned for several checks in a row). Default: `planShrink(model, {threshold})`. */
  plan?: ShrinkPlan;
}

/** How one layer of the model was shrunk; index lists are positions in the layer's old input / output. */
export interface ShrunkLayer {
  name: string;
  className: string;
  inputs: { before: number; kept: number[] };
  units: { before: number; kept: number[] };
}

/** A weight of the new model and where its values came from: `to = from[indices[0], indices[1], ...]` (null: whole axis). */
export interface WeightSlice {
  /** The weight's stable name (`layer/weight`), the same in both models. */
  name: string;
  from: tfl.LayerVariable;
  to: tfl.LayerVariable;
  indices: Array<number[] | null>;
}

export interface ShrinkResult {
  /** The shrunk model, or the input model itself when nothing could be removed (`changed: false`). */
  model: tfl.LayersModel;
  changed: boolean;
  /** Original input features the model reads (its FeatureSelect indices), ascending. */
  keptInputs: number[];
  layers: ShrunkLayer[];
  /** One entry per weight of the new model (empty when unchanged); feed it to `sliceOptimizerState`. */
  weights: WeightSlice[];
  /** Input features and hidden units (all layers) removed by this call. */
  removed: { inputs: number; units: number };
  /** Recurrent VIB layers whose shut gates this call could not remove, and why (they keep their size). */
  skipped: Array<{ layer: string; reason: string }>;
}

/** Layers that pass features one by one and map 0 to 0 (a removed feature stays removable through them). */
const ZERO_PRESERVING = new Set(['Dropout', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'SpatialDropout1D']);

/**
 * A gated recurrent layer that reports its prunable inputs and units, as
 * shrinking rebuilds it: a copy from its config with fewer `units`, its
 * weights sliced by their tfjs names (`kernel` [F, G*H], `recurrent_kernel`,
 * `bias`, the `input_*` gate on the inputs, the other gates on the units).
 * A layer shrunk in place says so in `liveIndices`.
 */
export type RebuildableRecurrentLayer = tfl.layers.Layer & GatedRecurrentLayer & PrunableLayer & {
  liveIndices?: { inputs: number[] | null; units: number[] | null };
};

function isRebuildableRecurrent(layer: tfl.layers.Layer): layer is RebuildableRecurrentLayer {
  return isGatedRecurrentLayer(layer) && isPrunableLayer(layer);
}

/** What a layer is to shrinking (shared with `expandVIB`). */
export type Role =
  | { kind: 'rnn'; layer: RebuildableRecurrentLayer; gates: number }
  | { kind: 'dense' }
  | { kind: 'gate' }
  | { kind: 'zero' }
  | { kind: 'perFeature' }
  | { kind: 'other' };

function lastAxisGate(layer: tfl.layers.Layer): boolean {
  const axis = (layer as unknown as { axis: number }).axis;
  const rank = (layer.input as tfl.SymbolicTensor).shape.length;
  return axis === -1 || axis === rank - 1;
}

/** Why `roleOf` leaves a recurrent VIB layer as it is; null when it can be rebuilt smaller. */
function recurrentSkipReason(layer: RebuildableRecurrentLayer): string | null {
  const { gates, units } = layer.recurrentLayout;
  const kernel = layer.weights.find((w) => shortName(w) === 'kernel');
  if (kernel == null || kernel.shape.length !== 2 || kernel.shape[1] !== gates * units) {
    const projection = (layer as { cell?: { projection?: { className?: string } } }).cell?.projection?.className;
    const what = projection != null ? `its ${projection} input projection` : 'it';
    return `${what} has no dense kernel to slice (a factorised projection shrinks in place, with vibCallback's shrink; or compact the model)`;
  }
  if (layer.liveIndices != null && (layer.liveIndices.inputs != null || layer.liveIndices.units != null)) return 'it was shrunk in place and keeps shrinking itself';
  if (layer.getConfig().returnState === true) return 'it returns its state';
  return null;
}

export function roleOf(layer: tfl.layers.Layer): Role {
  const className = layer.getClassName();
  if (isRebuildableRecurrent(layer)) {
    // A factorised projection (TT/TR) has no kernel to slice by name, and a layer shrunk in place keeps
    // shrinking itself (rebuilding it here would mix index spaces): both are left as they are.
    return recurrentSkipReason(layer) == null ? { kind: 'rnn', layer, gates: layer.recurrentLayout.gates } : { kind: 'other' };
  }
  if (className === 'Dense') return { kind: 'dense' };
  if (className === 'VIBLayer') return lastAxisGate(layer) ? { kind: 'gate' } : { kind: 'other' };
  if (ZERO_PRESERVING.has(className)) return { kind: 'zero' };
  if (className === 'Activation') {
    const name = activationName(layer.getConfig().activation, 'linear');
    return applyActivation(name, [0])[0] === 0 ? { kind: 'zero' } : { kind: 'perFeature' };
  }
  if (className === 'BatchNormalization') {
    const axis = (layer.getConfig().axis as number) ?? -1;
    const rank = (layer.input as tfl.SymbolicTensor).shape.length;
    return axis === -1 || axis === rank - 1 ? { kind: 'perFeature' } : { kind: 'other' };
  }
  return { kind: 'other' };
}

function removedOf(mask: Float32Array): number[] {
  const removed: number[] = [];
  mask.forEach((v, j) => {
    if (v === 0) removed.push(j);
  });
  return removed;
}

/** What the current VIB masks remove, layer by layer (no feasibility check; see `shrinkVIB`). */
export function planShrink(model: tfl.LayersModel, options: { threshold?: number } = {}): ShrinkPlan {
  if (options.threshold != null) assertFiniteNumber(options.threshold, 'threshold');
  const plan: ShrinkPlan = {};
  for (const layer of linearChain(model)) {
    if (isRebuildableRecurrent(layer)) {
      const { inputs, units } = layer.prunableUnits(options.threshold);
      plan[layer.name] = { inputs: inputs.removed, units: units.removed };
    } else if (layer.getClassName() === 'VIBLayer' && hasVIBGates(layer)) {
      const gate = (layer as unknown as HasVIBGates).vibGates[0];
      if (gate) plan[layer.name] = { units: removedOf(tf.tidy(() => gate.mask(options.threshold).dataSync() as Float32Array)) };
    }
  }
  return plan;
}

export { range } from './feature-state.js';
const lastDim = (shape: (number | null)[]) => shape[shape.length - 1] as number;

/**
 * One stretch of the chain: a producer of features (the model input, a
 * Dense or a recurrent layer), the per-feature layers after it, and the
 * weight layer that consumes them (null at the model output).
 */
interface Segment {
  producer: number;
  between: number[];
  consumer: number | null;
  dim: number;
  kept: number[];
}

function planSegments(chain: tfl.layers.Layer[], roles: Role[], inputDim: number, plan: ShrinkPlan): Segment[] {
  const segments: Segment[] = [];
  let producer = -1;
  let dim = inputDim;
  let between: number[] = [];
  const keptIn = (p: number, mid: number[], c: number | null, size: number): number[] => {
    const all = range(size);
    const consumerRole = c == null ? null : roles[c];
    const producerRole = p < 0 ? null : roles[p];
    // Rows can only be dropped from a Dense or a dense-projection recurrent consumer.
    if (consumerRole == null || !(consumerRole.kind === 'dense' || consumerRole.kind === 'rnn')) return all;
    if (producerRole != null && !(producerRole.kind === 'dense' || producerRole.kind === 'rnn')) return all;
    const drop = new Set<number>();
    // Drops from a source hold only if every per-feature layer after it maps 0 to 0.
    const zeroAfter = (position: number) => mid.filter((i) => i > position).every((i) => roles[i].kind === 'zero' || roles[i].kind === 'gate');
    if (producerRole?.kind === 'rnn') {
      // A recurrent unit can go only by its own gates: a unit zeroed later still feeds its recurrence.
      if (zeroAfter(p)) for (const k of plan[chain[p].name]?.units ?? []) drop.add(k);
    } else {
      for (const i of mid) {
        if (roles[i].kind === 'gate' && zeroAfter(i)) for (const k of plan[chain[i].name]?.units ?? []) drop.add(k);
      }
      if (consumerRole.kind === 'rnn') for (const k of plan[chain[c!].name]?.inputs ?? []) drop.add(k);
    }
    const kept = all.filter((k) => !drop.has(k));
    return kept.length === 0 ? all : kept;
  };
  const close = (consumer: number | null) => {
    segments.push({ producer, between, consumer, dim, kept: keptIn(producer, between, consumer, dim) });
  };
  chain.forEach((layer, index) => {
    const role = roles[index];
    if (role.kind === 'gate' || role.kind === 'zero' || role.kind === 'perFeature') {
      between.push(index);
      return;
    }
    close(index);
    producer = index;
    between = [];
    dim = lastDim((layer.output as tfl.SymbolicTensor).shape);
  });
  close(null);
  return segments;
}

const isFullList = (kept: number[], dim: number) => kept.length === dim;

/** Index lists per axis for each weight of a layer, by its weight name (the part after the layer name). */
export function weightIndices(
  layer: tfl.layers.Layer,
  role: Role,
  inKept: number[],
  inDim: number,
  outKept: number[],
  outDim: number,
): (weightName: string, rank: number) => Array<number[] | null> {
  const inList = isFullList(inKept, inDim) ? null : inKept;
  const outList = isFullList(outKept, outDim) ? null : outKept;
  if (role.kind === 'rnn') {
    const gates = role.gates;
    const columns = outList == null ? null : range(gates).flatMap((b) => outKept.map((k) => b * outDim + k));
    return (name) => {
      if (name === 'kernel') return [inList, columns];
      if (name === 'recurrent_kernel') return [outList, columns];
      if (name === 'bias') return [columns];
      if (name.startsWith('input_')) return [inList];
      return [outList]; // the gates' mu / logD
    };
  }
  if (role.kind === 'dense') {
    return (name) => (name === 'kernel' ? [inList, outList] : [outList]);
  }
  if (role.kind === 'gate' || role.kind === 'perFeature') return () => [outList];
  return (_name, rank) => {
    if (inList != null || outList != null) throw new Error(`shrinkVIB: layer '${layer.name}' cannot be sliced`);
    return Array<null>(rank).fill(null);
  };
}

/** A weight's name inside its layer (`kernel`, `i_gate_vib_mu`, ...). */
export const shortName = (weight: tfl.LayerVariable) => {
  const name = weight.originalName ?? weight.name;
  return name.slice(name.indexOf('/') + 1);
};

/**
 * Physically removes the input features and hidden units that the VIB masks
 * (or `options.plan`) remove from a live VIB model, so later training steps
 * cost less. Returns a new model of the same layers with the same names and
 * options, only smaller: `VIBLSTM` / `VIBGRU` with fewer inputs and units
 * (kernel rows and gate columns, recurrent rows, gate mu/logD sliced),
 * `VIBLayer` and batch norm sliced along their features, the next Dense's
 * input rows dropped. A `FeatureSelect` in front (composed with an existing
 * one) keeps the model's input shape unchanged. Weights map back to the old
 * ones through `weights`, for `sliceOptimizerState`.
 *
 * In frozen / hard-mask mode the result computes exactly what the masked
 * model computes. Removal is conservative: a unit zeroed only by a later
 * layer (a recurrent unit behind a closed VIBLayer, or a feature followed by
 * batch norm, whose output at 0 is not 0) stays; recurrent layers with a
 * tensor-train / tensor-ring projection are left as they are. The caller
 * keeps ownership of the old model (dispose it after `sliceOptimizerState`).
 */
export function shrinkVIB(model: tfl.LayersModel, options: ShrinkOptions = {}): ShrinkResult {
  if (options.threshold != null) assertFiniteNumber(options.threshold, 'threshold');
  const plan = options.plan ?? planShrink(model, { threshold: options.threshold });
  if (plan == null || typeof plan !== 'object') throw new InvalidArgumentError('plan', plan, 'an object of removable indices per layer name');
  let chain = linearChain(model);
  const inputShape = inputShapeOf(model);
  const originalDim = lastDim(inputShape);
  if (originalDim == null) throw new InvalidArgumentError('model', inputShape, 'an input with a defined feature size');
  let selected = range(originalDim);
  const hadSelect = chain[0] instanceof FeatureSelect;
  if (hadSelect) {
    selected = [...(chain[0] as FeatureSelect).indices];
    chain = chain.slice(1);
  }
  const roles = chain.map(roleOf);
  // Said, not silent: a layer whose shut gates stay because it cannot be rebuilt smaller.
  const skipped = chain.flatMap((layer) => {
    const reason = isRebuildableRecurrent(layer) ? recurrentSkipReason(layer) : null;
    const shut = plan[layer.name];
    return reason != null && shut != null && ((shut.inputs?.length ?? 0) > 0 || (shut.units?.length ?? 0) > 0) ? [{ layer: layer.name, reason }] : [];
  });
  const segments = planSegments(chain, roles, selected.length, plan);
  const unchanged = segments.every((s) => isFullList(s.kept, s.dim));
  const layers: ShrunkLayer[] = [];
  if (unchanged) return { model, changed: false, keptInputs: selected, layers, weights: [], removed: { inputs: 0, units: 0 }, skipped };

  // Per chain index: kept positions of its input and of its output.
  const inKept = new Map<number, { kept: number[]; dim: number }>();
  const outKept = new Map<number, { kept: number[]; dim: number }>();
  for (const s of segments) {
    const entry = { kept: s.kept, dim: s.dim };
    if (s.producer >= 0) outKept.set(s.producer, entry);
    for (const i of s.between) {
      inKept.set(i, entry);
      outKept.set(i, entry);
    }
    if (s.consumer != null) inKept.set(s.consumer, entry);
  }
  const front = segments[0];
  const keptInputs = front.kept.map((p) => selected[p]);

  const input = tfl.input({ shape: inputShape as number[] });
  let x: tfl.SymbolicTensor = input;
  const frontSelect = hadSelect || !isFullList(front.kept, front.dim);
  if (frontSelect) {
    const name = hadSelect ? linearChain(model)[0].name : undefined;
    x = new FeatureSelect({ indices: keptInputs, ...(name ? { name } : {}) }).apply(x) as tfl.SymbolicTensor;
  }
  const created: { old: tfl.layers.Layer; layer: tfl.layers.Layer; index: number; frozen: boolean }[] = [];
  chain.forEach((old, index) => {
    const config: tf.serialization.ConfigDict = { ...old.getConfig() };
    const role = roles[index];
    const outs = outKept.get(index);
    const frozen = hasVIBGates(old) && (old as HasVIBGates).vibGates.some((g) => g.settings.frozenMask);
    if (frozen) config.frozenMask = false; // re-frozen below, after the weights exist as trainable
    if (role.kind === 'rnn' || role.kind === 'dense') {
      if (outs) config.units = outs.kept.length;
      // Weights are copied in: skip the default initializers (an orthogonal one is slow on big kernels).
      config.kernelInitializer = 'zeros';
      if (role.kind === 'rnn') config.recurrentInitializer = 'zeros';
    }
    const layer = layerFromConfig(old.getClassName(), config);
    x = layer.apply(x) as tfl.SymbolicTensor;
    created.push({ old, layer, index, frozen });
  });
  const shrunk = tfl.model({ inputs: input, outputs: x, name: model.name });

  const weights: WeightSlice[] = [];
  let removedUnits = 0;
  for (const { old, layer, index, frozen } of created) {
    const role = roles[index];
    const inputDim = lastDim((old.input as tfl.SymbolicTensor).shape);
    const outputDim = lastDim((old.output as tfl.SymbolicTensor).shape);
    const ins = inKept.get(index) ?? { kept: range(inputDim), dim: inputDim };
    const outs = outKept.get(index) ?? { kept: range(outputDim), dim: outputDim };
    const indicesOf = weightIndices(old, role, ins.kept, ins.dim, outs.kept, outs.dim);
    const oldByName = new Map(old.weights.map((w) => [shortName(w), w]));
    for (const to of layer.weights) {
      const name = shortName(to);
      const from = oldByName.get(name);
      if (from == null) throw new Error(`shrinkVIB: layer '${old.name}' has no weight '${name}'`);
      const indices = indicesOf(name, (from.shape as number[]).length);
      const values = sliceWeight(from.read(), indices);
      to.write(values);
      values.dispose();
      weights.push({ name: to.originalName ?? to.name, from, to, indices });
    }
    if (frozen) (layer as unknown as HasVIBGates).setFrozenMask(true);
    if (role.kind === 'rnn' || role.kind === 'dense') removedUnits += outs.dim - outs.kept.length;
    layers.push({
      name: old.name,
      className: old.getClassName(),
      inputs: { before: ins.dim, kept: [...ins.kept] },
      units: { before: outs.dim, kept: [...outs.kept] },
    });
  }
  return {
    model: shrunk,
    changed: true,
    keptInputs,
    layers,
    weights,
    removed: { inputs: selected.length - keptInputs.length, units: removedUnits },
    skipped,
  };
}

/** The parts of `LeanAdam` that `sliceOptimizerState` uses. */
export interface SliceableOptimizer {
  momentsFor(variableName: string): { m: tf.Tensor; v: tf.Tensor } | undefined;
  setMomentsFor(variableName: string, moments: { m: tf.Tensor; v: tf.Tensor } | null): void;
}

/**
 * Moves an optimizer's moment estimates from the old model's weights to the
 * shrunk model's, slicing them like the weights (`shrinkVIB`'s `weights`),
 * so that training continues as if the removed entries had never existed.
 * Call it before disposing the old model. The step count is kept.
 */
export function sliceOptimizerState(optimizer: SliceableOptimizer, weights: WeightSlice[]): void {
  for (const { from, to, indices } of weights) {
    const oldName = (from.read() as tf.Variable).name;
    const moments = optimizer.momentsFor(oldName);
    if (moments == null) continue;
    const m = sliceWeight(moments.m, indices);
    const v = sliceWeight(moments.v, indices);
    optimizer.setMomentsFor((to.read() as tf.Variable).name, { m, v });
    optimizer.setMomentsFor(oldName, null);
    // The new moment variables share these tensors' data (a variable keeps its own reference).
    tf.dispose([m, v]);
  }
}
