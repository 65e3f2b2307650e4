import { InvalidArgumentError } from '@tfjs-compress/common';

export interface SweepPoint {
  /** The swept value (a klFac or a target compression). */
  value: number;
  /** Accuracy of the compressed model (e.g. on a test set), in [0, 1]. */
  accuracy: number;
  /** Compression ratio reached (e.g. parameters before / after). */
  compression: number;
  /** Anything else the run reports (kept units, seconds, ...). */
  details?: Record<string, unknown>;
}

export interface SweepResult {
  /** What `value` means, e.g. 'klFac' or 'targetCompression'. */
  parameter: string;
  points: SweepPoint[];
}

/** Trains and evaluates one model for one swept value. */
export type SweepRun = (value: number, index: number) => Promise<Omit<SweepPoint, 'value'>> | Omit<SweepPoint, 'value'>;

/**
 * Runs `run` once per value, in order, and collects accuracy against
 * compression: the curve to pick an operating point from. Pure data; the
 * chart is drawn elsewhere (apps/vib-bench).
 */
export async function sweep(
  parameter: string,
  values: readonly number[],
  run: SweepRun,
  onPoint?: (point: SweepPoint) => void,
): Promise<SweepResult> {
  if (values.length === 0) throw new InvalidArgumentError('values', values, 'at least one value to sweep');
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError('values', values, 'finite numbers');
  }
  const points: SweepPoint[] = [];
  for (const [index, value] of values.entries()) {
    const outcome = await run(value, index);
    const point: SweepPoint = { value, ...outcome };
    points.push(point);
    onPoint?.(point);
  }
  return { parameter, points };
}

/** The points no other point beats on both accuracy and compression, by increasing compression. */
export function paretoFront(points: readonly SweepPoint[]): SweepPoint[] {
  const front = points.filter(
    (p) =>
      !points.some(
        (q) => q !== p && q.accuracy >= p.accuracy && q.compression >= p.compression && (q.accuracy > p.accuracy || q.compression > p.compression),
      ),
  );
  return front.sort((a, b) => a.compression - b.compression);
}
