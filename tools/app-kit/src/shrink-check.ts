import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { composeShrinkOrigin, planShrink, shrinkVIB, sliceWeight, type ShrinkOrigin, type ShrinkPlan, type ShrinkResult, type WeightSlice } from '@tfjs-compress/prune';
import type { WeightSnapshot } from '@tfjs-compress/train';
import { InvalidArgumentError, assertFiniteNumber, assertOneOf, assertPositiveInteger, gatedLayers, silenceGates } from '@tfjs-compress/vib';

/** Consecutive checks (one per epoch unless checksPerEpoch says more) a unit must stay pruned before it is removed. */
export const DEFAULT_SHRINK_PATIENCE = 2;

/**
 * What happens to a feature or unit pruned for `patience` checks: 'remove'
 * takes it out of the live model (every later step costs less); 'mask'
 * silences it at full size (`silenceGates`): the same training at the
 * same cost, the baseline that shows what removing saves, and a route for
 * layers that cannot be sliced (tensorised projections).
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

/** How many checks in a row each currently pruned index has been pruned, per layer name. JSON-safe (saved in checkpoints). */
export type ShrinkStreaks = Record<string, { inputs?: Record<string, number>; units?: Record<string, number> }>;

/** What a shrinking run carries from epoch to epoch. */
export interface ShrinkState {
  streaks: ShrinkStreaks;
  /** Input features and hidden units removed so far (all layers). */
  removedInputs: number;
  removedUnits: number;
  /** Number of shrinks done. */
  shrinks: number;
  /** Where the model's inputs and units sat before the first shrink (null before it): `expandVIB` input. */
  origin: ShrinkOrigin | null;
  /** Mode 'mask': everything silenced so far, per layer (indices of the full-size model). Re-applied on resume. */
  silenced?: ShrinkPlan;
}

export function initialShrinkState(): ShrinkState {
  return { streaks: {}, removedInputs: 0, removedUnits: 0, shrinks: 0, origin: null };
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

function nextStreaks(previous: ShrinkStreaks, plan: ShrinkPlan): ShrinkStreaks {
  const next: ShrinkStreaks = {};
  for (const [layer, removed] of Object.entries(plan)) {
    const entry: ShrinkStreaks[string] = {};
    for (const axis of AXES) {
      const list = removed[axis];
      if (list == null) continue;
      const old = previous[layer]?.[axis] ?? {};
      entry[axis] = Object.fromEntries(list.map((k) => [String(k), (old[String(k)] ?? 0) + 1]));
    }
    next[layer] = entry;
  }
  return next;
}

function eligible(streaks: ShrinkStreaks, patience: number): ShrinkPlan | null {
  const plan: ShrinkPlan = {};
  let any = false;
  for (const [layer, entry] of Object.entries(streaks)) {
    plan[layer] = {};
    for (const axis of AXES) {
      const counts = entry[axis];
      if (counts == null) continue;
      const list = Object.entries(counts)
        .filter(([, n]) => n >= patience)
        .map(([k]) => Number(k))
        .sort((a, b) => a - b);
      plan[layer][axis] = list;
      any ||= list.length > 0;
    }
  }
  return any ? plan : null;
}

/** Renumbers the streaks of what is left: new position p holds old index kept[p]. */
function remap(streaks: ShrinkStreaks, result: ShrinkResult): ShrinkStreaks {
  const out: ShrinkStreaks = {};
  for (const [layer, entry] of Object.entries(streaks)) {
    const shrunk = result.layers.find((l) => l.name === layer);
    const renumbered: ShrinkStreaks[string] = {};
    for (const axis of AXES) {
      const counts = entry[axis];
      if (counts == null) continue;
      if (shrunk == null) {
        renumbered[axis] = { ...counts };
        continue;
      }
      const kept = shrunk[axis].kept;
      const moved: Record<string, number> = {};
      kept.forEach((old, p) => {
        const n = counts[String(old)];
        if (n != null) moved[String(p)] = n;
      });
      renumbered[axis] = moved;
    }
    out[layer] = renumbered;
  }
  return out;
}

export interface ShrinkCheck {
  state: ShrinkState;
  /** The shrink done by this check, or null (nothing pruned for long enough, or nothing removable, or mode 'mask'). */
  result: ShrinkResult | null;
  /** Mode 'mask': what this check newly silenced (the model itself was changed), or null. */
  silenced: { inputs: number; units: number } | null;
}

/** a and b merged, per layer and axis, ascending without repeats. */
function mergePlans(a: ShrinkPlan, b: ShrinkPlan): ShrinkPlan {
  const out: ShrinkPlan = {};
  for (const layer of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const entry: ShrinkPlan[string] = {};
    for (const axis of AXES) {
      const list = [...new Set([...(a[layer]?.[axis] ?? []), ...(b[layer]?.[axis] ?? [])])].sort((x, y) => x - y);
      if (list.length) entry[axis] = list;
    }
    out[layer] = entry;
  }
  return out;
}

const countOf = (plan: ShrinkPlan | undefined, axis: Axis) => Object.values(plan ?? {}).reduce((n, e) => n + (e[axis]?.length ?? 0), 0);

/** Mode 'mask': silences (cumulatively) what is eligible; the streaks keep counting at full size, no renumbering. */
function maskCheck(model: tfl.LayersModel, state: ShrinkState, streaks: ShrinkStreaks, plan: ShrinkPlan | null): ShrinkCheck {
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
 * One shrink-as-you-train check (the training session runs one per epoch):
 * counts, per feature and unit, the checks in a row its VIB mask has
 * removed it, and physically removes (`shrinkVIB`) those at `patience` or
 * more. Waiting for a few checks keeps a unit whose log alpha only touches
 * the threshold once. The caller swaps in `result.model`, slices the
 * optimizer state with `sliceOptimizerState(optimizer, result.weights)`
 * and disposes the old model. Never mutates `state`. In mode 'mask' it
 * silences them in `model` instead (see ShrinkMode) and returns no result.
 * `held`: weight copies of `model` that may be written back later (a
 * schedule's kept state and candidates); only what their masks remove too
 * counts as pruned. Carry them to the new model with `carryWeights`.
 */
export function shrinkCheck(model: tfl.LayersModel, state: ShrinkState, settings: ShrinkSettings = {}, held: readonly WeightSnapshot[] = []): ShrinkCheck {
  const { patience, threshold, mode } = resolveShrinkSettings(settings);
  // A state the schedule may roll back to still needs what its own masks keep.
  const pruned = intersectPlans(planShrink(model, { threshold }), plansOfCopies(model, held, threshold));
  const streaks = nextStreaks(state.streaks, pruned);
  const plan = eligible(streaks, patience);
  if (mode === 'mask') return maskCheck(model, state, streaks, plan);
  const result = plan ? shrinkVIB(model, { plan }) : null;
  if (result == null || !result.changed) return { state: { ...state, streaks }, result: null, silenced: null };
  return {
    state: {
      streaks: remap(streaks, result),
      removedInputs: state.removedInputs + result.removed.inputs,
      removedUnits: state.removedUnits + result.removed.units,
      shrinks: state.shrinks + 1,
      origin: composeShrinkOrigin(state.origin, result),
    },
    result,
    silenced: null,
  };
}

/** What the masks of each weight copy remove: its gate weights written into `model` for a moment, then put back. */
function plansOfCopies(model: tfl.LayersModel, copies: readonly WeightSnapshot[], threshold: number | undefined): ShrinkPlan[] {
  if (copies.length === 0) return [];
  const gates = new Set<tfl.LayerVariable>(gatedLayers(model).flatMap((l) => l.vibGates.flatMap((g) => [g.mu, g.logD])));
  const current = [...gates].map((variable) => ({ variable, value: tf.clone(variable.read()) }));
  try {
    return copies.map((copy) => {
      for (const { variable, value } of copy) if (gates.has(variable)) variable.write(value);
      return planShrink(model, { threshold });
    });
  } finally {
    for (const { variable, value } of current) variable.write(value);
    tf.dispose(current.map((c) => c.value));
  }
}

/** Per layer and axis, the indices every plan removes. */
function intersectPlans(plan: ShrinkPlan, others: readonly ShrinkPlan[]): ShrinkPlan {
  const out: ShrinkPlan = {};
  for (const [layer, entry] of Object.entries(plan)) {
    const kept: ShrinkPlan[string] = {};
    for (const axis of AXES) {
      const list = entry[axis];
      if (list == null) continue;
      kept[axis] = list.filter((k) => others.every((o) => o[layer]?.[axis]?.includes(k) ?? false));
    }
    out[layer] = kept;
  }
  return out;
}

/** Maps a weight copy of the old model onto the shrunk one, sliced like its weights (`ShrinkResult.weights`). */
export function carryWeights(slices: readonly WeightSlice[]): (copy: WeightSnapshot) => WeightSnapshot {
  return (copy) => {
    const byVariable = new Map(copy.map((e) => [e.variable, e.value]));
    return slices.map(({ from, to, indices }) => {
      const value = byVariable.get(from);
      if (value == null) throw new Error(`carryWeights: the copy has no value for '${from.originalName}'`);
      return { variable: to, value: sliceWeight(value, indices) };
    });
  };
}
