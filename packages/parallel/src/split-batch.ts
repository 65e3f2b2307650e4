import { assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';

/** One worker's share of a batch: rows [start, start + size) and its loss weight size / batch. */
export interface BatchShare {
  start: number;
  size: number;
  /** size / batch: the factor that makes the weighted sum of per-slice mean losses the full-batch mean. */
  weight: number;
}

/**
 * Splits `batch` rows over `workers` in contiguous slices whose sizes differ
 * by at most one (the first `batch % workers` get the extra row). Workers past
 * the end of a small batch get empty slices with weight 0: they still take
 * part in the gradient exchange so that every worker applies the same update.
 */
export function splitBatch(batch: number, workers: number): BatchShare[] {
  if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batch', batch, 'an integer >= 1');
  assertPositiveInteger(workers, 'workers');
  const base = Math.floor(batch / workers);
  const extra = batch % workers;
  const shares: BatchShare[] = [];
  let start = 0;
  for (let i = 0; i < workers; i++) {
    const size = base + (i < extra ? 1 : 0);
    shares.push({ start, size, weight: size / batch });
    start += size;
  }
  return shares;
}

/** Contiguous ranges [from, to) of `length` elements, one per worker, for the parallel reduction. */
export function splitRange(length: number, parts: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const chunk = Math.ceil(length / parts);
  for (let i = 0; i < parts; i++) ranges.push([Math.min(length, i * chunk), Math.min(length, (i + 1) * chunk)]);
  return ranges;
}
