import { InvalidArgumentError } from './errors.js';

/** Shared option checks: each names the option and the value it received. */

export function assertPositiveInteger(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(option, value, 'a positive integer');
  }
}

export function assertNonNegative(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(option, value, 'a finite number >= 0');
  }
}

export function assertPositive(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(option, value, 'a finite number > 0');
  }
}

export function assertFiniteNumber(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(option, value, 'a finite number');
  }
}

/** A probability-like rate in [0, 1). */
export function assertRate(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new InvalidArgumentError(option, value, 'a number in [0, 1)');
  }
}

export function assertOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  option: string,
): asserts value is T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidArgumentError(option, value, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
}

export function assertBoolean(value: unknown, option: string): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(option, value, 'true or false');
  }
}
