import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { gatedLayers } from '@tfjs-compress/vib';
import { sliceWeight, type AxisIndices } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError, assertFiniteNumber, assertPositiveInteger } from '@tfjs-compress/common';
import { sliceOptimizerMoments, type VariableSlice } from './optimizer-slicing.js';
import { eligibleRemovals, intersectPlans, nextStreaks, plansOfCopies, type RemovalPlans, type ShrinkStreaks } from './removal-plans.js';
import type { WeightSnapshot } from './weight-snapshot.js';

/** Checks in a row (one per epoch) an input or unit must stay pruned before it is removed while the masks still train. */
export const DEFAULT_SHRINK_PATIENCE = 2;

export interface InPlaceShrinkSettings {
  /** Checks in a row (one per epoch end) an index must stay pruned before it is removed, >= 1. Default: 2. Frozen masks need one. */
  patience?: number;
  /** log alpha threshold of "pruned". Default: each gate's own threshold (0). */
  threshold?: number;
}

/** A layer that removes inputs and units from its own weights (`VIBLSTM`, `VIBGRU`), as this package sees it. */
interface ShrinkableLayer {
  name: string;
  prunableUnits(threshold?: number): { inputs: { removed: number[] }; units: { removed: number[] } };
  shrinkInPlace(plan: { inputs?: number[]; units?: number[] }): VariableSlice[];
  liveIndices: { inputs: number[] | null; units: number[] | null };
  cell: { projection: { sliceInPlace?: unknown }; inputDim: number; units: number; liveInputs: number; liveUnits: number };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function isShrinkable(layer: unknown): layer is ShrinkableLayer {
  const l = layer as Partial<ShrinkableLayer>;
  // A projection without sliceInPlace cannot lose rows and columns: such a layer trains at full size.
  return typeof l.shrinkInPlace === 'function' && typeof l.prunableUnits === 'function' && typeof l.cell?.projection?.sliceInPlace === 'function';
}

/** What the masks of the layers that shrink in place remove now (model-facing indices, removed ones included). */
export function planInPlace(model: tfl.LayersModel, threshold: number | undefined): RemovalPlans {
  const plan: RemovalPlans = {};
  for (const layer of gatedLayers(model)) {
    if (!isShrinkable(layer)) continue;
    const { inputs, units } = layer.prunableUnits(threshold);
    plan[layer.name] = { inputs: inputs.removed, units: units.removed };
  }
  return plan;
}

export interface ShrinkOutcome {
  /** Weights sliced by this check (empty when nothing was removed). */
  slices: VariableSlice[];
  /** Input features and hidden units removed by this check, all layers. */
  inputs: number;
  units: number;
}

/**
 * Has each layer that shrinks in place remove what `plan` lists for it
 * (model-facing indices; already removed ones are ignored). A layer is never
 * emptied: an axis that would lose everything is left alone (a dead layer is
 * compact's to remove). Returns the slices for optimizer moments and weight copies.
 */
export function shrinkLayersInPlace(model: tfl.LayersModel, plan: RemovalPlans): ShrinkOutcome {
  const outcome: ShrinkOutcome = { slices: [], inputs: 0, units: 0 };
  for (const layer of gatedLayers(model)) {
    const entry = plan[layer.name];
    if (!isShrinkable(layer) || entry == null) continue;
    const cell = layer.cell;
    const [inputsBefore, unitsBefore] = [cell.liveInputs, cell.liveUnits];
    const live = layer.liveIndices;
    const leavesSome = (list: number[] | undefined, liveList: number[] | null, size: number) => {
      const gone = new Set(list ?? []);
      return list != null && (liveList ?? range(size)).some((k) => !gone.has(k));
    };
    const slices = layer.shrinkInPlace({
      inputs: leavesSome(entry.inputs, live.inputs, cell.inputDim) ? entry.inputs : [],
      units: leavesSome(entry.units, live.units, cell.units) ? entry.units : [],
    });
    outcome.slices.push(...slices);
    outcome.inputs += inputsBefore - cell.liveInputs;
    outcome.units += unitsBefore - cell.liveUnits;
  }
  return outcome;
}

/**
 * Shrink-as-you-train inside a fit: at each check, counts per input and unit
 * the checks in a row its VIB mask has removed it, and has the layers
 * remove those at `patience` (`shrinkInPlace`: same model object, same
 * shapes at its edges, smaller kernels). The optimizer's moments and the
 * weight copies a schedule holds are sliced the same way. An index a held
 * copy still keeps is not removed: the schedule may roll back to it.
 */
export class InPlaceShrinker {
  readonly patience: number;
  readonly threshold: number | undefined;
  private streakState: ShrinkStreaks = {};

  constructor(settings: InPlaceShrinkSettings = {}) {
    if (settings == null || typeof settings !== 'object') throw new InvalidArgumentError('shrink', settings, 'true, false or {patience?, threshold?}');
    this.patience = settings.patience ?? DEFAULT_SHRINK_PATIENCE;
    assertPositiveInteger(this.patience, 'shrink.patience');
    if (settings.threshold != null) assertFiniteNumber(settings.threshold, 'shrink.threshold');
    this.threshold = settings.threshold;
  }

  /** The streaks (JSON), to save with a checkpoint. */
  get streaks(): ShrinkStreaks {
    return this.streakState;
  }

  set streaks(streaks: ShrinkStreaks) {
    this.streakState = JSON.parse(JSON.stringify(streaks)) as ShrinkStreaks;
  }

  /**
   * One check. `frozen`: the masks no longer train, so one check is enough.
   * Slices `optimizer`'s moments; move held weight copies over with
   * `sliceSnapshot(outcome.slices)`.
   */
  async check(model: tfl.LayersModel, options: { optimizer?: tf.Optimizer | null; held?: readonly WeightSnapshot[]; frozen?: boolean }): Promise<ShrinkOutcome> {
    const next = dueRemovals(model, this.streakState, { held: options.held, patience: options.frozen ? 1 : this.patience, threshold: this.threshold });
    this.streakState = next.streaks;
    const outcome = next.plan == null ? { slices: [], inputs: 0, units: 0 } : shrinkLayersInPlace(model, next.plan);
    if (options.optimizer) await sliceOptimizerMoments(options.optimizer, outcome.slices);
    return outcome;
  }
}

/**
 * One more check of what the masks of the layers that shrink in place prune
 * (and every held copy's masks prune too): the streaks after it, and what is
 * due for removal (pruned at `patience` checks in a row), or null. Pure.
 */
export function dueRemovals(
  model: tfl.LayersModel,
  streaks: ShrinkStreaks,
  options: { held?: readonly WeightSnapshot[]; patience: number; threshold?: number },
): { streaks: ShrinkStreaks; plan: RemovalPlans | null } {
  const planner = (m: tfl.LayersModel) => planInPlace(m, options.threshold);
  const pruned = intersectPlans(planner(model), plansOfCopies(model, options.held ?? [], planner));
  const next = nextStreaks(streaks, pruned);
  return { streaks: next, plan: eligibleRemovals(next, options.patience) };
}

/** Spreads every layer shrunk in place back to its full sizes (removed rows and columns 0): the model computes what it computed. */
export function expandLayersInPlace(model: tfl.LayersModel): void {
  for (const layer of gatedLayers(model)) (layer as { expandInPlace?: () => void }).expandInPlace?.();
}

/** A weight copy sliced like the weights (`VariableSlice`s); entries of other weights are copied as they are. */
export function sliceSnapshot(slices: readonly VariableSlice[]): (snapshot: WeightSnapshot) => WeightSnapshot {
  const byVariable = new Map<tfl.LayerVariable, AxisIndices>(slices.map((s) => [s.variable, s.indices]));
  return (snapshot) => snapshot.map(({ variable, value }) => ({ variable, value: sliceWeight(value, byVariable.get(variable) ?? []) }));
}
