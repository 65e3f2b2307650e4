import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSeed, mulberry32, seededRandom, shuffled } from '../src/index.js';

describe('seeded RNG', () => {
  it('mulberry32 gives the reference sequence for seed 1 (the published algorithm, not an approximation)', () => {
    // The first outputs of the reference C mulberry32 (uint32 arithmetic) from state 1.
    const rng = mulberry32(1);
    const first = Array.from({ length: 3 }, () => Math.round(rng.next() * 2 ** 32));
    assert.deepEqual(first, [2693262067, 11749833, 2265367787]);
  });

  it('same seed, same numbers; another seed, other numbers; floats in [0, 1), ints in [lo, hi]', () => {
    const a = Array.from({ length: 1000 }, seededRandom(42));
    assert.deepEqual(Array.from({ length: 1000 }, seededRandom(42)), a);
    assert.notDeepEqual(Array.from({ length: 1000 }, seededRandom(43)), a);
    assert.ok(a.every((v) => v >= 0 && v < 1));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
    const rng = mulberry32(7);
    const ints = Array.from({ length: 2000 }, () => rng.int(3, 5));
    assert.deepEqual([...new Set(ints)].sort(), [3, 4, 5]);
    const hits = Array.from({ length: 4000 }, () => rng.chance(0.25)).filter(Boolean).length;
    assert.ok(Math.abs(hits / 4000 - 0.25) < 0.03, `${hits} of 4000`);
  });

  it('deriveSeed: a stream per (seed, parts), independent of order and of how many parts', () => {
    assert.equal(deriveSeed(1, 2, 3), deriveSeed(1, 2, 3));
    const seeds = new Set([deriveSeed(1, 2, 3), deriveSeed(1, 3, 2), deriveSeed(2, 2, 3), deriveSeed(1, 2), deriveSeed(1, 2, 3, 0), deriveSeed(1)]);
    assert.equal(seeds.size, 6);
    for (const s of seeds) assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
  });

  it('shuffled: a permutation, the input untouched, the same for the same seed', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const once = shuffled(items, mulberry32(5));
    assert.deepEqual([...once].sort((x, y) => x - y), items);
    assert.deepEqual(items, Array.from({ length: 50 }, (_, i) => i));
    assert.notDeepEqual(once, items);
    assert.deepEqual(shuffled(items, mulberry32(5)), once);
  });
});
