import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { gatedLayers } from '@tfjs-compress/vib';
import type { WeightSnapshot } from './weight-snapshot.js';

/**
 * Per layer name, input features and hidden units (by index) that the VIB
 * masks remove: the plan of a shrink, and what a shrink check counts.
 */
export type RemovalPlans = Record<string, { inputs?: number[]; units?: number[] }>;

/** How many checks in a row each index has been pruned, per layer and axis. JSON-safe (saved with checkpoints). */
export type ShrinkStreaks = Record<string, { inputs?: Record<string, number>; units?: Record<string, number> }>;

type Axis = 'inputs' | 'units';
const AXES: readonly Axis[] = ['inputs', 'units'];

/** The streaks after one more check that found `pruned`: an index not pruned now starts over. */
export function nextStreaks(previous: ShrinkStreaks, pruned: RemovalPlans): ShrinkStreaks {
  const next: ShrinkStreaks = {};
  for (const [layer, removed] of Object.entries(pruned)) {
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

/** The indices pruned for at least `patience` checks in a row, ascending, or null when there are none. */
export function eligibleRemovals(streaks: ShrinkStreaks, patience: number): RemovalPlans | null {
  const plan: RemovalPlans = {};
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

/** Per layer and axis, the indices that `plan` and every one of `others` remove. */
export function intersectPlans(plan: RemovalPlans, others: readonly RemovalPlans[]): RemovalPlans {
  const out: RemovalPlans = {};
  for (const [layer, entry] of Object.entries(plan)) {
    const kept: RemovalPlans[string] = {};
    for (const axis of AXES) {
      const list = entry[axis];
      if (list == null) continue;
      kept[axis] = list.filter((k) => others.every((o) => o[layer]?.[axis]?.includes(k) ?? false));
    }
    out[layer] = kept;
  }
  return out;
}

/**
 * What the masks of each weight copy remove, by `planner` (the model with the
 * copy's gate weights written in for a moment, then put back): a state a
 * schedule may roll back to still needs what its own masks keep.
 */
export function plansOfCopies(
  model: tfl.LayersModel,
  copies: readonly WeightSnapshot[],
  planner: (model: tfl.LayersModel) => RemovalPlans,
): RemovalPlans[] {
  if (copies.length === 0) return [];
  const gates = new Set<tfl.LayerVariable>(gatedLayers(model).flatMap((l) => l.vibGates.flatMap((g) => [g.mu, g.logD])));
  const current = [...gates].map((variable) => ({ variable, value: tf.clone(variable.read()) }));
  try {
    return copies.map((copy) => {
      for (const { variable, value } of copy) if (gates.has(variable)) variable.write(value);
      return planner(model);
    });
  } finally {
    for (const { variable, value } of current) variable.write(value);
    tf.dispose(current.map((c) => c.value));
  }
}
