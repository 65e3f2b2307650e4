import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidArgumentError,
  assertBoolean,
  assertFiniteNumber,
  assertNonNegative,
  assertOneOf,
  assertPositive,
  assertPositiveInteger,
  assertRate,
} from '../src/index.js';

/** The error a check throws for `value`, or null. */
function thrown(check: () => void): InvalidArgumentError | null {
  try {
    check();
    return null;
  } catch (error) {
    assert.ok(InvalidArgumentError.isInstance(error), `an InvalidArgumentError, got ${String(error)}`);
    return error;
  }
}

describe('InvalidArgumentError', () => {
  it('names the option, shows the value as the user wrote it, and says what was expected', () => {
    const error = new InvalidArgumentError('units', 'many', 'a positive integer');
    assert.equal(error.message, "Invalid units: got 'many', expected a positive integer.");
    assert.equal(error.option, 'units');
    assert.equal(error.value, 'many');
    assert.equal(new InvalidArgumentError('shape', [2, 'x'], 'integers').message, "Invalid shape: got [2, 'x'], expected integers.");
    assert.equal(new InvalidArgumentError('x', undefined, 'a number').message, 'Invalid x: got undefined, expected a number.');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.match(new InvalidArgumentError('o', cyclic, 'plain data').message, /got \[object Object\]/);
  });

  it('is recognised across copies of the package (a global symbol, not instanceof)', () => {
    const copy = Object.assign(new Error('from another copy'), { [Symbol.for('@tfjs-compress/invalid-argument-error')]: true });
    assert.ok(InvalidArgumentError.isInstance(copy));
    assert.ok(!InvalidArgumentError.isInstance(new Error('plain')));
    assert.ok(!InvalidArgumentError.isInstance(null));
  });
});

describe('option checks', () => {
  const cases: Array<[string, (v: unknown) => void, unknown[], unknown[]]> = [
    ['a positive integer', (v) => assertPositiveInteger(v, 'n'), [1, 7], [0, -1, 1.5, '3', Number.NaN]],
    ['a finite number >= 0', (v) => assertNonNegative(v, 'n'), [0, 2.5], [-1e-9, Number.POSITIVE_INFINITY, '0']],
    ['a finite number > 0', (v) => assertPositive(v, 'n'), [1e-9, 3], [0, -2, Number.NaN]],
    ['a finite number', (v) => assertFiniteNumber(v, 'n'), [-3, 0], [Number.NaN, Number.NEGATIVE_INFINITY, null]],
    ['a number in [0, 1)', (v) => assertRate(v, 'n'), [0, 0.999], [1, -0.1, Number.NaN]],
    ['true or false', (v) => assertBoolean(v, 'n'), [true, false], [0, 'true', null]],
    ["one of 'a', 'b'", (v) => assertOneOf(v, ['a', 'b'], 'n'), ['a', 'b'], ['c', 1, undefined]],
  ];
  for (const [expected, check, good, bad] of cases) {
    it(`${expected}: accepts ${good.map(String).join(', ')}; names the option and value otherwise`, () => {
      for (const value of good) assert.equal(thrown(() => check(value)), null, `accepts ${String(value)}`);
      for (const value of bad) {
        const error = thrown(() => check(value));
        assert.ok(error, `refuses ${String(value)}`);
        assert.equal(error.option, 'n');
        assert.ok(Object.is(error.value, value));
        assert.ok(error.message.endsWith(`expected ${expected}.`), error.message);
      }
    });
  }
});
