import { spreadMap } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError } from '@tfjs-compress/common';

/**
 * Index bookkeeping of a recurrent layer shrunk in place: the model-facing
 * input features and hidden units keep their numbering (the layer's input and
 * output widths do not change), while the heavy weights hold rows and columns
 * for the live ones only.
 */

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Validates a saved list of live indices: ascending, unique, in [0, size), not empty. */
export function assertLiveList(list: unknown, size: number, option: string): asserts list is number[] {
  const ok =
    Array.isArray(list) &&
    list.length > 0 &&
    list.every((k, i) => Number.isInteger(k) && k >= 0 && k < size && (i === 0 || k > list[i - 1]));
  if (!ok) throw new InvalidArgumentError(option, Array.isArray(list) ? `[${list.slice(0, 8).join(', ')}${list.length > 8 ? ', ...' : ''}]` : list, `ascending unique integers in [0, ${size}), at least one`);
}

/** What removing `removed` (model-facing indices) from the live list `live` leaves: the new list and the positions in `live` that stay. */
export function afterRemoval(live: readonly number[], removed: readonly number[]): { live: number[]; positions: number[] } {
  const gone = new Set(removed);
  const positions: number[] = [];
  live.forEach((k, p) => {
    if (!gone.has(k)) positions.push(p);
  });
  return { live: positions.map((p) => live[p]), positions };
}

/** Columns of a gate-major [.., gates * units] weight that belong to the unit positions kept, gate by gate. */
export function gateColumns(positions: readonly number[], gates: number, units: number): number[] {
  const out: number[] = [];
  for (let g = 0; g < gates; g++) for (const p of positions) out.push(g * units + p);
  return out;
}

/** The gate-major column version of `spreadMap`: full column g*size+k reads live column g*live+p. */
export function spreadGateColumns(live: readonly number[] | null, size: number, gates: number): number[] {
  const map = spreadMap(live, size);
  const width = live?.length ?? size;
  const out: number[] = [];
  for (let g = 0; g < gates; g++) for (const p of map) out.push(p < 0 ? -1 : g * width + p);
  return out;
}
