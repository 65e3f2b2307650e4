import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CustomCallbackArgs } from '@tensorflow/tfjs-layers';
import { isGateWeight } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { BUILT_IN_RECURRENT_CLASSES, isRecurrentLayer } from './recurrent-layout.js';
import type { PruningSchedule } from './schedules.js';

/** tfjs classes whose kernels magnitude pruning touches by default, besides layers declaring `recurrentLayout` (VIBLSTM, VIBGRU, ...). */
export const PRUNABLE_CLASSES: readonly string[] = ['Dense', ...BUILT_IN_RECURRENT_CLASSES, 'Conv1D', 'Conv2D'];

export interface PruneLowMagnitudeArgs {
  /** When and how much to prune (`constantSparsity` or `polynomialDecay`). Required. */
  schedule: PruningSchedule;
  /**
   * Which weights to prune. Default: every `kernel` / `recurrent_kernel` of
   * the layers in PRUNABLE_CLASSES and of layers declaring `recurrentLayout`
   * (VIBLSTM, VIBGRU, ...); biases, batch-norm and VIB gate parameters are never pruned.
   */
  filter?: (weight: tfl.LayerVariable, layer: tfl.layers.Layer) => boolean;
}

function defaultFilter(weight: tfl.LayerVariable, layer: tfl.layers.Layer): boolean {
  const name = weight.originalName ?? weight.name;
  const prunable = PRUNABLE_CLASSES.includes(layer.getClassName()) || isRecurrentLayer(layer);
  return prunable && /kernel$/.test(name) && !isGateWeight(weight);
}

/** 0/1 mask keeping the `size - floor(sparsity * size)` largest magnitudes (ties broken by index). */
export function magnitudeMask(values: Float32Array | number[], sparsity: number): Float32Array {
  const size = values.length;
  const prune = Math.floor(sparsity * size);
  const mask = new Float32Array(size).fill(1);
  if (prune === 0) return mask;
  const magnitudes = Float32Array.from(values, Math.abs);
  const threshold = magnitudes.slice().sort()[prune - 1];
  let pruned = 0;
  const zero = (i: number) => {
    mask[i] = 0;
    pruned++;
  };
  for (let i = 0; i < size; i++) if (magnitudes[i] < threshold) zero(i);
  // Ties at the threshold: prune just enough of them to reach the target count.
  for (let i = 0; i < size && pruned < prune; i++) if (magnitudes[i] === threshold) zero(i);
  return mask;
}

type Target = tfl.LayersModel | tfl.layers.Layer[];
const CONTROLLERS = new WeakMap<object, MagnitudePruning>();

/**
 * Unstructured magnitude pruning for comparison with VIB (in the manner of
 * tfmot's `prune_low_magnitude`): at the schedule's steps each selected
 * weight's smallest magnitudes are masked to zero, and after every batch the
 * masks are re-applied so the optimizer cannot revive them. Drive it with
 * `model.fit(..., {callbacks: [pruning.callback()]})` (or call `step()` in a
 * custom loop), then `stripPruning`.
 */
export class MagnitudePruning {
  readonly weights: tfl.LayerVariable[] = [];
  readonly schedule: PruningSchedule;
  private readonly masks = new Map<tfl.LayerVariable, tf.Tensor>();
  private stepCount = 0;
  private stripped = false;
  private begun = false;

  constructor(readonly target: Target, args: PruneLowMagnitudeArgs) {
    if (args?.schedule == null || typeof args.schedule.sparsityAt !== 'function') {
      throw new InvalidArgumentError('schedule', args?.schedule, 'a schedule from constantSparsity() or polynomialDecay()');
    }
    this.schedule = args.schedule;
    const filter = args.filter ?? defaultFilter;
    const layers = Array.isArray(target) ? target : target.layers;
    for (const layer of layers) {
      if (!layer.built) throw new InvalidArgumentError('layers', layer.name, 'built layers (call or build the model first)');
      for (const weight of layer.weights) if (filter(weight, layer)) this.weights.push(weight);
    }
    if (this.weights.length === 0) throw new InvalidArgumentError('target', layers.map((l) => l.name), 'layers with prunable kernels');
  }

  /** Optimizer steps (batches) completed so far. */
  get step(): number {
    return this.stepCount;
  }

  /** Recomputes the masks for `sparsity` from the current magnitudes and applies them. */
  updateMasks(sparsity: number): void {
    for (const weight of this.weights) {
      const mask = magnitudeMask(weight.read().dataSync() as Float32Array, sparsity);
      this.masks.get(weight)?.dispose();
      this.masks.set(weight, tf.keep(tf.tensor(mask, weight.shape as number[])));
    }
    this.applyMasks();
  }

  /** Multiplies every pruned weight by its mask. */
  applyMasks(): void {
    tf.tidy(() => {
      for (const [weight, mask] of this.masks) weight.write(tf.mul(weight.read(), mask));
    });
  }

  /** Masks for step 0 (the first batch trains on pruned weights). Called by the callback; idempotent. */
  begin(): void {
    if (this.begun || this.stripped) return;
    this.begun = true;
    const sparsity = this.schedule.sparsityAt(0);
    if (sparsity != null) this.updateMasks(sparsity);
  }

  /**
   * One optimizer step done: advance, update the masks when the schedule
   * says so for the next step, else re-apply them. Call after every batch in
   * a custom training loop.
   */
  stepDone(): void {
    if (this.stripped) return;
    this.begin();
    this.stepCount++;
    const sparsity = this.schedule.sparsityAt(this.stepCount);
    if (sparsity != null) this.updateMasks(sparsity);
    else this.applyMasks();
  }

  /** For `model.fit` / `fitDataset`: masks are applied after every batch. */
  callback(): CustomCallbackArgs {
    return {
      onTrainBegin: async () => this.begin(),
      onBatchEnd: async () => this.stepDone(),
    };
  }

  /** Fraction of exact zeros per pruned weight, by weight name. */
  sparsity(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const weight of this.weights) {
      const values = weight.read().dataSync();
      let zeros = 0;
      for (const v of values) if (v === 0) zeros++;
      out[weight.name] = zeros / values.length;
    }
    return out;
  }

  /** Applies the masks a last time, frees them and stops pruning. */
  strip(): Target {
    if (!this.stripped) {
      this.applyMasks();
      for (const mask of this.masks.values()) mask.dispose();
      this.masks.clear();
      this.stripped = true;
      CONTROLLERS.delete(this.target);
    }
    return this.target;
  }
}

/** Starts magnitude pruning of a model's (or some layers') kernels. */
export function pruneLowMagnitude(target: Target, args: PruneLowMagnitudeArgs): MagnitudePruning {
  const pruning = new MagnitudePruning(target, args);
  CONTROLLERS.get(target)?.strip();
  CONTROLLERS.set(target, pruning);
  return pruning;
}

/**
 * Ends pruning: masks applied for good and released. The weights were pruned
 * in place, so the model is already made of plain layers; it is returned as is.
 */
export function stripPruning<T extends Target>(target: T | MagnitudePruning): T {
  if (target instanceof MagnitudePruning) return target.strip() as T;
  CONTROLLERS.get(target)?.strip();
  return target;
}
