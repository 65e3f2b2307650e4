import type * as tf from '@tensorflow/tfjs-core';
import { selectColumns, spreadColumns } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError } from '@tfjs-compress/common';

/**
 * Which entries of one axis of a factorised matrix a projection shows once it
 * has been shrunk in place: visible position i reads underlying index
 * `map[i]`, or 0 where `map[i]` is -1. The cores keep their shapes (a
 * factorised matrix cannot lose a row without changing every core), so
 * shrinking leaves the optimizer's moments alone; the underlying indices
 * that are shown stay in ascending order.
 */
export class AxisView {
  /** Visible positions that read an underlying index, and those indices (both ascending). */
  private readonly positions: number[];
  private readonly underlying: number[];

  /**
   * @param size the underlying axis length
   * @param map per visible position, the underlying index or -1; null shows the axis as it is
   */
  private constructor(
    readonly size: number,
    readonly map: readonly number[] | null,
  ) {
    const pairs = (map ?? []).flatMap((u, i) => (u >= 0 ? [[i, u]] : []));
    this.positions = pairs.map(([i]) => i);
    this.underlying = pairs.map(([, u]) => u);
  }

  /** The whole axis, in order. */
  static full(size: number): AxisView {
    return new AxisView(size, null);
  }

  /** A saved map, checked: `visible` entries, each -1 or an index in [0, size), the indices ascending, at least one. */
  static from(map: unknown, size: number, visible: number, option: string): AxisView {
    if (map == null) {
      if (size !== visible) throw new InvalidArgumentError(option, null, `a map of ${visible} entries onto ${size} (the sizes differ)`);
      return AxisView.full(size);
    }
    const expected = `${visible} entries, each -1 or an index in [0, ${size}), the indices ascending, at least one`;
    if (!Array.isArray(map) || map.length !== visible) throw new InvalidArgumentError(option, Array.isArray(map) ? `${map.length} entries` : map, expected);
    let last = -1;
    let shown = 0;
    for (const u of map) {
      const ok = Number.isInteger(u) && (u === -1 || (u > last && u < size));
      if (!ok) throw new InvalidArgumentError(option, `[${map.slice(0, 8).join(', ')}${map.length > 8 ? ', ...' : ''}]`, expected);
      if (u >= 0) {
        last = u;
        shown++;
      }
    }
    if (shown === 0) throw new InvalidArgumentError(option, 'no index shown', expected);
    return AxisView.canonical(size, map as number[]);
  }

  private static canonical(size: number, map: number[]): AxisView {
    const identity = map.length === size && map.every((u, i) => u === i);
    return new AxisView(size, identity ? null : map);
  }

  /** Entries shown: the width the projection reads or writes on this axis. */
  get visible(): number {
    return this.map?.length ?? this.size;
  }

  /** Keeps the visible positions listed (ascending; null: all). */
  slice(positions: readonly number[] | null): AxisView {
    if (positions == null) return this;
    return AxisView.canonical(this.size, positions.map((p) => this.mapOf(p)));
  }

  /** Spreads back: visible position j reads today's position `spread[j]`, or 0 where it is -1 (null: as it is). */
  spread(spread: readonly number[] | null): AxisView {
    if (spread == null) return this;
    return AxisView.canonical(this.size, spread.map((p) => (p < 0 ? -1 : this.mapOf(p))));
  }

  private mapOf(position: number): number {
    return this.map == null ? position : this.map[position];
  }

  /** t [..., visible] -> [..., size]: each shown index reads its visible column, the others 0. Differentiable on every backend. */
  toUnderlying(t: tf.Tensor): tf.Tensor {
    if (this.map == null) return t;
    const shown = this.positions.length === this.visible ? t : selectColumns(t, this.positions, this.visible);
    return this.underlying.length === this.size ? shown : spreadColumns(shown, this.underlying, this.size);
  }

  /** t [..., size] -> [..., visible]: each visible column reads its underlying index, or 0. Differentiable on every backend. */
  fromUnderlying(t: tf.Tensor): tf.Tensor {
    if (this.map == null) return t;
    const shown = this.underlying.length === this.size ? t : selectColumns(t, this.underlying, this.size);
    return this.positions.length === this.visible ? shown : spreadColumns(shown, this.positions, this.visible);
  }
}
