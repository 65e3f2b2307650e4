import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { klSchedule, measureCompression, recurrentParams } from '../src/index.js';

describe('klSchedule', () => {
  it('is 0 through the warm-up, then ramps linearly, then holds', () => {
    const at = klSchedule({ klFac: 1e-2, warmupEpochs: 2, rampEpochs: 4 });
    assert.equal(at(0), 0);
    assert.equal(at(1.99), 0);
    assert.equal(at(2), 0);
    assert.ok(Math.abs(at(3) - 2.5e-3) < 1e-15);
    assert.ok(Math.abs(at(4) - 5e-3) < 1e-15);
    assert.equal(at(6), 1e-2);
    assert.equal(at(60), 1e-2);
    assert.equal(klSchedule({ klFac: 1, warmupEpochs: 1, rampEpochs: 0 })(1), 1);
    assert.throws(() => klSchedule({ klFac: -1, warmupEpochs: 0, rampEpochs: 0 }), InvalidArgumentError);
  });
});

describe('measureCompression', () => {
  it('counts an LSTM as 4H(L+H)+4H before and after its masks (duck-typed prunableUnits)', () => {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const fake = {
      name: 'lstm',
      vibGates: [],
      setFrozenMask() {},
      setKlFac() {},
      cell: { gateNames: ['i', 'f', 'c', 'o'] },
      prunableUnits: () => ({
        inputs: { kept: range(7), removed: range(21) },
        units: { kept: range(16), removed: range(112) },
      }),
    };
    const m = measureCompression({ layers: [fake] });
    assert.equal(m.paramsBefore, 4 * 128 * (28 + 128) + 4 * 128);
    assert.equal(m.paramsAfter, 4 * 16 * (7 + 16) + 4 * 16);
    assert.equal(m.paramsBefore, recurrentParams(4, 28, 128));
    assert.ok(Math.abs(m.ratio - m.paramsBefore / m.paramsAfter) < 1e-12);
    // A GRU has three gate blocks.
    const gru = { ...fake, cell: { gateNames: ['z', 'r', 'h'] } };
    assert.equal(measureCompression({ layers: [gru] }).paramsAfter, 3 * 16 * 23 + 3 * 16);
  });
});
