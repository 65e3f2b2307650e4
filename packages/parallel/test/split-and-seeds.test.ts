import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { WORKER_SEED_STRIDE, reseedTopology, splitBatch, splitRange, threadCpuMs } from '../src/index.js';

describe('splitBatch', () => {
  it('gives contiguous slices differing by at most one row, weights = rows / batch', () => {
    assert.deepEqual(splitBatch(5, 2), [
      { start: 0, size: 3, weight: 0.6 },
      { start: 3, size: 2, weight: 0.4 },
    ]);
    for (const [batch, workers] of [
      [32, 2],
      [7, 3],
      [16, 5],
    ]) {
      const shares = splitBatch(batch, workers);
      assert.equal(shares.reduce((n, s) => n + s.size, 0), batch);
      assert.ok(Math.abs(shares.reduce((w, s) => w + s.weight, 0) - 1) < 1e-12);
      shares.forEach((s, i) => i > 0 && assert.equal(s.start, shares[i - 1].start + shares[i - 1].size));
      assert.ok(Math.max(...shares.map((s) => s.size)) - Math.min(...shares.map((s) => s.size)) <= 1);
    }
  });

  it('leaves workers beyond a small batch empty with weight 0', () => {
    assert.deepEqual(
      splitBatch(1, 3).map((s) => [s.size, s.weight]),
      [
        [1, 1],
        [0, 0],
        [0, 0],
      ],
    );
  });

  it('rejects an empty batch and a bad worker count', () => {
    assert.throws(() => splitBatch(0, 2), InvalidArgumentError);
    assert.throws(() => splitBatch(4, 0), InvalidArgumentError);
    assert.throws(() => splitBatch(4, 1.5), InvalidArgumentError);
  });
});

describe('splitRange', () => {
  it('covers [0, length) with disjoint ranges, one per part', () => {
    for (const [length, parts] of [
      [10, 3],
      [2, 4],
      [0, 2],
      [1_000_001, 2],
    ]) {
      const ranges = splitRange(length, parts);
      assert.equal(ranges.length, parts);
      assert.equal(ranges[0][0], 0);
      assert.equal(ranges[parts - 1][1], length);
      ranges.forEach(([from, to], i) => {
        assert.ok(from <= to);
        if (i > 0) assert.equal(from, ranges[i - 1][1]);
      });
    }
  });
});

describe('reseedTopology', () => {
  const topology = {
    class_name: 'Sequential',
    config: {
      layers: [
        { class_name: 'VIBLSTM', config: { seed: 5, kernelInitializer: { className: 'GlorotUniform', config: { seed: null } } } },
        { class_name: 'Dropout', config: { rate: 0.5, seed: null } },
      ],
    },
  };
  type Layers = { config: { layers: Array<{ config: { seed: number | null; kernelInitializer?: { config: { seed: number | null } } } }> } };

  it('keeps worker 0 as it is and shifts every seed of worker i by i * stride', () => {
    assert.deepEqual(reseedTopology(topology, 0), topology);
    const shifted = reseedTopology(topology, 2) as Layers;
    assert.equal(shifted.config.layers[0].config.seed, 5 + 2 * WORKER_SEED_STRIDE);
    assert.equal(shifted.config.layers[1].config.seed, null, 'unseeded stays unseeded without a base seed');
    assert.equal(topology.config.layers[0].config.seed, 5, 'the input is not mutated');
  });

  it('seeds unseeded fields from the base seed, distinct per field', () => {
    const seeded = reseedTopology(topology, 1, 100) as Layers;
    const initializerSeed = seeded.config.layers[0].config.kernelInitializer!.config.seed;
    const dropoutSeed = seeded.config.layers[1].config.seed;
    assert.equal(typeof dropoutSeed, 'number');
    assert.notEqual(initializerSeed, dropoutSeed);
    assert.equal(seeded.config.layers[0].config.seed, 5 + WORKER_SEED_STRIDE, 'own seeds win over the base seed');
  });
});

describe('threadCpuMs', () => {
  it('grows with work on this thread (Linux) or is null', () => {
    const before = threadCpuMs();
    if (before == null) return;
    // Busy until 30 ms of CPU time show up (the wall time depends on the machine's load).
    let x = 0;
    const giveUp = performance.now() + 10_000;
    while (threadCpuMs()! - before < 30 && performance.now() < giveUp) for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    assert.ok(x > 0);
    assert.ok(threadCpuMs()! - before >= 30, 'a busy loop shows as CPU time');
  });
});
