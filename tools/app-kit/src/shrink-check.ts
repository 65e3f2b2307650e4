import type * as tfl from '@tensorflow/tfjs-layers';
import {
  TRAIN_DEFAULTS,
  dueRemovals,
  shrinkLayersInPlace,
  type RemovalPlans,
  type ShrinkOutcome,
  type ShrinkStreaks,
  type WeightSnapshot,
} from '@tfjs-compress/train';
import { silenceGates } from '@tfjs-compress/vib';
import { InvalidArgumentError, assertFiniteNumber, assertOneOf, assertPositiveInteger } from '@tfjs-compress/common';

/** Consecutive checks a unit must stay pruned before it is removed: the engine's default, per check here (see checksPerEpoch). */
/** Checks in a row an input or unit must stay pruned before it is removed (train's default). */
export const DEFAULT_SHRINK_PATIENCE = TRAIN_DEFAULTS.shrink.patience;

/**
 * What happens to a feature or unit pruned for `patience` checks: 'remove'
 * takes it out of the layer's weights in place (`shrinkInPlace`: every later
 * step costs less); 'mask' silences it at full size (`silenceGates`): the
 * same training at the same cost, the baseline that shows what removing
 * saves, and a route for layers that cannot be sliced (tensorised projections).
 */
export type ShrinkMode = 'remove' | 'mask';
export const SHRINK_MODES: readonly ShrinkMode[] = ['remove', 'mask'];
export const DEFAULT_SHRINK_MODE: ShrinkMode = 'remove';

export interface ShrinkSettings {
  /** Checks in a row (see checksPerEpoch) a feature or unit must stay pruned before it is removed, >= 1. Default: 2. */
  patience?: number;
  /** log alpha threshold of "pruned". Default: each gate's own threshold (0). */
  threshold?: number;
  /** 'remove' (default) or 'mask'; see ShrinkMode. */
  mode?: ShrinkMode;
  /**
   * Checks per epoch, >= 1: the last after the epoch (with its evaluation),
   * the others evenly between its batches, so pruned units leave sooner.
   * `patience` counts checks. Default: 1.
   */
  checksPerEpoch?: number;
}

/** True after the batch that ends one of an epoch's first `checks - 1` equal parts (the last check follows the epoch). */
export function midEpochCheckAfter(batchesDone: number, batchesPerEpoch: number, checks: number): boolean {
  if (checks <= 1 || batchesDone < 1 || batchesDone >= batchesPerEpoch) return false;
  for (let k = 1; k < checks; k++) if (Math.round((k * batchesPerEpoch) / checks) === batchesDone) return true;
  return false;
}

/** What a shrinking run carries from epoch to epoch. */
export interface ShrinkState {
  streaks: ShrinkStreaks;
  /** Input features and hidden units removed so far (all layers). */
  removedInputs: number;
  removedUnits: number;
  /** Number of shrinks done. */
  shrinks: number;
  /** Mode 'mask': everything silenced so far, per layer. Re-applied on resume (a layer shrunk in place saves its own). */
  silenced?: RemovalPlans;
}

export function initialShrinkState(): ShrinkState {
  return { streaks: {}, removedInputs: 0, removedUnits: 0, shrinks: 0 };
}

/** Validates and resolves the settings once. */
export function resolveShrinkSettings(settings: ShrinkSettings): { patience: number; threshold: number | undefined; mode: ShrinkMode; checksPerEpoch: number } {
  if (settings == null || typeof settings !== 'object') {
    throw new InvalidArgumentError('shrink', settings, 'false or an object {patience?, threshold?, mode?, checksPerEpoch?}');
  }
  const checksPerEpoch = settings.checksPerEpoch ?? 1;
  assertPositiveInteger(checksPerEpoch, 'shrink.checksPerEpoch');
  const patience = settings.patience ?? DEFAULT_SHRINK_PATIENCE;
  assertPositiveInteger(patience, 'shrink.patience');
  if (settings.threshold != null) assertFiniteNumber(settings.threshold, 'shrink.threshold');
  const mode = settings.mode ?? DEFAULT_SHRINK_MODE;
  assertOneOf(mode, SHRINK_MODES, 'shrink.mode');
  return { patience, threshold: settings.threshold, mode, checksPerEpoch };
}

type Axis = 'inputs' | 'units';
const AXES: readonly Axis[] = ['inputs', 'units'];

export interface ShrinkCheck {
  state: ShrinkState;
  /** What this check removed in place (slices for moments and weight copies), or null (nothing due, or mode 'mask'). */
  result: ShrinkOutcome | null;
  /** Mode 'mask': what this check newly silenced (the model itself was changed), or null. */
  silenced: { inputs: number; units: number } | null;
}

/** a and b merged, per layer and axis, ascending without repeats. */
function mergePlans(a: RemovalPlans, b: RemovalPlans): RemovalPlans {
  const out: RemovalPlans = {};
  for (const layer of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const entry: RemovalPlans[string] = {};
    for (const axis of AXES) {
      const list = [...new Set([...(a[layer]?.[axis] ?? []), ...(b[layer]?.[axis] ?? [])])].sort((x, y) => x - y);
      if (list.length) entry[axis] = list;
    }
    out[layer] = entry;
  }
  return out;
}

const countOf = (plan: RemovalPlans | undefined, axis: Axis) => Object.values(plan ?? {}).reduce((n, e) => n + (e[axis]?.length ?? 0), 0);

/** Mode 'mask': silences (cumulatively) what is eligible; the streaks keep counting at full size, no renumbering. */
function maskCheck(model: tfl.LayersModel, state: ShrinkState, streaks: ShrinkStreaks, plan: RemovalPlans | null): ShrinkCheck {
  const silenced = mergePlans(state.silenced ?? {}, plan ?? {});
  const inputs = countOf(silenced, 'inputs') - countOf(state.silenced, 'inputs');
  const units = countOf(silenced, 'units') - countOf(state.silenced, 'units');
  const changed = inputs + units > 0;
  // Re-applied every check: it also re-bakes mu = 0 over what the optimizer's momentum moved since.
  if (Object.keys(silenced).length) silenceGates(model, silenced);
  return {
    state: {
      ...state,
      streaks,
      silenced,
      removedInputs: state.removedInputs + inputs,
      removedUnits: state.removedUnits + units,
      shrinks: state.shrinks + (changed ? 1 : 0),
    },
    result: null,
    silenced: changed ? { inputs, units } : null,
  };
}

/**
 * One shrink-as-you-train check (the training session runs `checksPerEpoch`
 * per epoch): counts, per feature and unit, the checks in a row its VIB mask
 * has removed it (train's `dueRemovals`), and has the layers remove those at
 * `patience` or more from their own weights (`shrinkLayersInPlace`). Waiting
 * for a few checks keeps a unit whose log alpha only touches the threshold
 * once. Indices stay model-facing: the model keeps its object, its input
 * and its output. The caller slices the optimizers' moments and the held
 * copies with `result.slices` (`sliceOptimizerMoments`, `sliceSnapshot`).
 * In mode 'mask' it silences them instead (see ShrinkMode). `held`: weight
 * copies of `model` that may be written back later (a schedule's kept state
 * and candidates); only what their masks remove too counts as pruned.
 * Never mutates `state`.
 */
export function shrinkCheck(model: tfl.LayersModel, state: ShrinkState, settings: ShrinkSettings = {}, held: readonly WeightSnapshot[] = []): ShrinkCheck {
  const { patience, threshold, mode } = resolveShrinkSettings(settings);
  const { streaks, plan } = dueRemovals(model, state.streaks, { held, patience, threshold });
  if (mode === 'mask') return maskCheck(model, state, streaks, plan);
  const result = plan ? shrinkLayersInPlace(model, plan) : null;
  if (result == null || result.slices.length === 0) return { state: { ...state, streaks }, result: null, silenced: null };
  return {
    state: {
      ...state,
      streaks,
      removedInputs: state.removedInputs + result.inputs,
      removedUnits: state.removedUnits + result.units,
      shrinks: state.shrinks + 1,
    },
    result,
    silenced: null,
  };
}

export type { ShrinkStreaks };
