import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { paretoFront, sweep, type SweepPoint } from '../src/index.js';

describe('sweep', () => {
  it('runs once per value, in order, and collects value, accuracy and compression', async () => {
    const calls: number[] = [];
    const seen: number[] = [];
    const result = await sweep(
      'klFac',
      [1e-4, 1e-3, 1e-2],
      async (value, index) => {
        calls.push(index);
        return { accuracy: 0.9 - value, compression: 1 + 1000 * value, details: { index } };
      },
      (p) => seen.push(p.value),
    );
    assert.equal(result.parameter, 'klFac');
    assert.deepEqual(calls, [0, 1, 2]);
    assert.deepEqual(seen, [1e-4, 1e-3, 1e-2]);
    assert.deepEqual(
      result.points.map((p) => [p.value, p.accuracy, p.compression]),
      [
        [1e-4, 0.9 - 1e-4, 1 + 1000 * 1e-4],
        [1e-3, 0.9 - 1e-3, 1 + 1000 * 1e-3],
        [1e-2, 0.9 - 1e-2, 1 + 1000 * 1e-2],
      ],
    );
    assert.deepEqual(result.points[2].details, { index: 2 });
  });

  it('rejects an empty or non-numeric list', async () => {
    await assert.rejects(sweep('klFac', [], () => ({ accuracy: 1, compression: 1 })), InvalidArgumentError);
    await assert.rejects(sweep('klFac', [Number.NaN], () => ({ accuracy: 1, compression: 1 })), InvalidArgumentError);
  });

  it('paretoFront keeps the points nothing beats on both axes, by compression', () => {
    const p = (value: number, accuracy: number, compression: number): SweepPoint => ({ value, accuracy, compression });
    const points = [p(1, 0.95, 2), p(2, 0.94, 10), p(3, 0.93, 5), p(4, 0.9, 30), p(5, 0.95, 1.5)];
    assert.deepEqual(paretoFront(points).map((q) => q.value), [1, 2, 4]);
  });
});
