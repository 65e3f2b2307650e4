import type * as tfl from '@tensorflow/tfjs-layers';
import { composeShrinkOrigin, planShrink, shrinkVIB, type ShrinkOrigin, type ShrinkPlan, type ShrinkResult } from '@tfjs-compress/prune';
import { InvalidArgumentError, assertFiniteNumber, assertPositiveInteger } from '@tfjs-compress/vib';

/** Consecutive checks (epochs) a unit must stay pruned before it is removed. */
export const DEFAULT_SHRINK_PATIENCE = 2;

export interface ShrinkSettings {
  /** Checks in a row (one per epoch) a feature or unit must stay pruned before it is removed, >= 1. Default: 2. */
  patience?: number;
  /** log alpha threshold of "pruned". Default: each gate's own threshold (0). */
  threshold?: number;
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
}

export function initialShrinkState(): ShrinkState {
  return { streaks: {}, removedInputs: 0, removedUnits: 0, shrinks: 0, origin: null };
}

/** Validates and resolves the settings once. */
export function resolveShrinkSettings(settings: ShrinkSettings): { patience: number; threshold: number | undefined } {
  if (settings == null || typeof settings !== 'object') {
    throw new InvalidArgumentError('shrink', settings, 'false or an object {patience?, threshold?}');
  }
  const patience = settings.patience ?? DEFAULT_SHRINK_PATIENCE;
  assertPositiveInteger(patience, 'shrink.patience');
  if (settings.threshold != null) assertFiniteNumber(settings.threshold, 'shrink.threshold');
  return { patience, threshold: settings.threshold };
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
  /** The shrink done by this check, or null (nothing pruned for long enough, or nothing removable). */
  result: ShrinkResult | null;
}

/**
 * One shrink-as-you-train check (the training session runs one per epoch):
 * counts, per feature and unit, the checks in a row its VIB mask has
 * removed it, and physically removes (`shrinkVIB`) those at `patience` or
 * more. Waiting for a few checks keeps a unit whose log alpha only touches
 * the threshold once. The caller swaps in `result.model`, slices the
 * optimizer state with `sliceOptimizerState(optimizer, result.weights)`
 * and disposes the old model. Never mutates `state`.
 */
export function shrinkCheck(model: tfl.LayersModel, state: ShrinkState, settings: ShrinkSettings = {}): ShrinkCheck {
  const { patience, threshold } = resolveShrinkSettings(settings);
  const streaks = nextStreaks(state.streaks, planShrink(model, { threshold }));
  const plan = eligible(streaks, patience);
  const result = plan ? shrinkVIB(model, { plan }) : null;
  if (result == null || !result.changed) return { state: { ...state, streaks }, result: null };
  return {
    state: {
      streaks: remap(streaks, result),
      removedInputs: state.removedInputs + result.removed.inputs,
      removedUnits: state.removedUnits + result.removed.units,
      shrinks: state.shrinks + 1,
      origin: composeShrinkOrigin(state.origin, result),
    },
    result,
  };
}
