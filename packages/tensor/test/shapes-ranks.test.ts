import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@tfjs-compress/common';
import {
  contractionFlopsPerRow,
  coreParamCount,
  coreShapes,
  coreStddev,
  factorize,
  maxTTRanks,
  product,
  resolveRanks,
  resolveShapes,
} from '../src/index.js';

const rejects = (fn: () => unknown, option: string) =>
  assert.throws(fn, (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === option);

describe('factorize', () => {
  it('splits sizes into balanced factors, largest first', () => {
    assert.deepEqual(factorize(57600, 4), [20, 20, 12, 12]);
    assert.deepEqual(factorize(256, 4), [4, 4, 4, 4]);
    assert.deepEqual(factorize(1024, 3), [16, 8, 8]);
    assert.deepEqual(factorize(7, 2), [7, 1]);
    assert.deepEqual(factorize(1, 3), [1, 1, 1]);
  });
  it('always multiplies back to the size', () => {
    for (const n of [2, 12, 97, 360, 1000, 2048, 57600]) {
      for (const d of [1, 2, 3, 4, 5]) assert.equal(product(factorize(n, d)), n, `${n} into ${d}`);
    }
  });
  it('rejects bad sizes and orders', () => {
    rejects(() => factorize(0, 2), 'size');
    rejects(() => factorize(10, 1.5), 'order');
  });
});

describe('resolveShapes', () => {
  it('checks given factorisations against the sizes', () => {
    rejects(() => resolveShapes(24, 10, [2, 3, 5], [2, 5, 1], undefined), 'inShape');
    rejects(() => resolveShapes(24, 10, [2, 3, 4], [2, 4, 1], undefined), 'outShape');
    rejects(() => resolveShapes(24, 10, [4, 6], [2, 5, 1], undefined), 'outShape');
    rejects(() => resolveShapes(24, 10, [4, 0, 6], undefined, undefined), 'inShape');
  });
  it('fills a missing shape with the order of the given one and folds a leading factor', () => {
    assert.deepEqual(resolveShapes(24, 10, [2, 3, 4], undefined, undefined), { inShape: [2, 3, 4], outShape: [5, 2, 1] });
    assert.deepEqual(resolveShapes(57600, 1024, [8, 20, 20, 18], undefined, undefined, 4), {
      inShape: [8, 20, 20, 18],
      outShape: [16, 4, 4, 4],
    });
    assert.deepEqual(resolveShapes(64, 64, undefined, undefined, 2), { inShape: [8, 8], outShape: [8, 8] });
  });
});

describe('resolveRanks', () => {
  const m = [8, 20, 20, 18];
  const n = [16, 4, 4, 4];
  it('expands an integer with the boundary conventions', () => {
    assert.deepEqual(resolveRanks('tensor-train', m, n, 4), [1, 4, 4, 4, 1]);
    assert.deepEqual(resolveRanks('tensor-ring', m, n, 4), [4, 4, 4, 4, 4]);
  });
  it('caps integer TT ranks at the full ranks and rejects lists above them', () => {
    assert.deepEqual(maxTTRanks([2, 3], [2, 2]), [1, 4, 1]);
    assert.deepEqual(resolveRanks('tensor-train', [2, 3], [2, 2], 100), [1, 4, 1]);
    rejects(() => resolveRanks('tensor-train', [2, 3], [2, 2], [1, 5, 1]), 'ranks');
  });
  it('turns a fraction into the largest uniform rank within that share of the dense parameters', () => {
    const ranks = resolveRanks('tensor-train', m, n, 0.001);
    const budget = 0.001 * 57600 * 1024;
    assert.ok(coreParamCount(m, n, ranks) <= budget);
    const bigger = ranks.map((r, k) => (k === 0 || k === 4 ? 1 : r + 1));
    assert.ok(coreParamCount(m, n, bigger) > budget);
  });
  it('rejects bad ranks with errors naming the option', () => {
    rejects(() => resolveRanks('tensor-train', m, n, [1, 4, 4, 1]), 'ranks');
    rejects(() => resolveRanks('tensor-train', m, n, [2, 4, 4, 4, 1]), 'ranks');
    rejects(() => resolveRanks('tensor-ring', m, n, [2, 4, 4, 4, 3]), 'ranks');
    rejects(() => resolveRanks('tensor-train', m, n, 0), 'ranks');
    rejects(() => resolveRanks('tensor-train', m, n, 2.5), 'ranks');
    rejects(() => resolveRanks('tensor-train', m, n, [1, 0, 4, 4, 1]), 'ranks');
  });
});

describe('Yang et al. UCF11 tensor-train LSTM (Yang et al., ICML 2017)', () => {
  const shape = { inShape: [8, 20, 20, 18], outShape: [16, 4, 4, 4], ranks: [1, 4, 4, 4, 1] };
  it('has 3,360 core parameters with the expected core sizes', () => {
    assert.deepEqual(coreShapes(shape).map(product), [512, 1280, 1280, 288]);
    assert.equal(coreParamCount(shape.inShape, shape.outShape, shape.ranks), 3360);
    assert.equal(product(shape.inShape), 57600);
    assert.equal(product(shape.outShape), 4 * 256);
  });
  it('contracts with far fewer FLOPs than the dense matMul', () => {
    const flops = contractionFlopsPerRow(shape);
    // Right to left, each step costs 2 * rows * |core| with rows = (outputs so far) * prod(m before k):
    // core 4: 3200 rows, core 3: 4 * 160, core 2: 16 * 8, core 1: 64 * 1.
    assert.equal(flops, 2 * (3200 * 288 + 640 * 1280 + 128 * 1280 + 64 * 512));
    assert.ok(flops * 25 < 2 * 57600 * 1024); // about 30x fewer
  });
});

describe('coreStddev', () => {
  it('solves Var(W) = prod(summed ranks) * s^(2d)', () => {
    const shape = { inShape: [4, 4, 4], outShape: [4, 4, 4], ranks: [1, 3, 5, 1] };
    const s = coreStddev(shape, 0.01);
    assert.ok(Math.abs(15 * s ** 6 - 0.01) < 1e-12);
    const ring = { inShape: [4, 4], outShape: [4, 4], ranks: [2, 3, 2] };
    assert.ok(Math.abs(6 * coreStddev(ring, 0.02) ** 4 - 0.02) < 1e-12);
  });
});
