/**
 * What the compact model carries along one feature axis, indexed like the
 * original model's features. `physical` lists the original indices present
 * in the compact tensor, in order. Of those, `live` ones carry the original
 * values; the others ("ghosts": e.g. LSTM units masked by a later VIBLayer,
 * which cannot leave the recurrence) hold values the original model zeroed,
 * so consumers give them zero weights. Every non-live feature equals the
 * constant `constants[j]` in the original model (0 for a pruned unit, a
 * batch-norm offset after one, ...), which the next weight layer folds into
 * its bias.
 */
export interface FeatureState {
  dim: number;
  physical: number[];
  live: Set<number>;
  constants: Float32Array;
  /**
   * Physical features whose compact values differ from the original's (the
   * ghosts above). Absent: every non-live physical feature holds its constant
   * exactly (a pruned unit kept at exactly 0, ...). Layers that read a
   * feature's value rather than weighting it (Add, LayerNormalization, the
   * model output) refuse a live use of these.
   */
  inexact?: Set<number>;
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Ascending union of index lists or sets. */
export function sortedUnion(...lists: Iterable<number>[]): number[] {
  const all = new Set<number>();
  for (const list of lists) for (const j of list) all.add(j);
  return [...all].sort((a, b) => a - b);
}

export function fullState(dim: number): FeatureState {
  const all = range(dim);
  return { dim, physical: all, live: new Set(all), constants: new Float32Array(dim) };
}

/** Only `kept` present and live; everything else is the constant 0. */
export function keptState(dim: number, kept: number[]): FeatureState {
  return { dim, physical: [...kept], live: new Set(kept), constants: new Float32Array(dim) };
}

export function isFull(state: FeatureState): boolean {
  return state.physical.length === state.dim && state.live.size === state.dim && state.physical.every((j, p) => j === p);
}

/** Live features in physical order. */
export function liveFeatures(state: FeatureState): number[] {
  return state.physical.filter((j) => state.live.has(j));
}

/** Original indices that are not live (constants). */
export function deadFeatures(state: FeatureState): number[] {
  const dead: number[] = [];
  for (let j = 0; j < state.dim; j++) if (!state.live.has(j)) dead.push(j);
  return dead;
}

/** Per original feature: `scale[j]` for live features, 0 for everything else. */
export function liveScale(state: FeatureState, scale?: Float32Array): Float32Array {
  const out = new Float32Array(state.dim);
  for (const j of state.live) out[j] = scale ? scale[j] : 1;
  return out;
}
