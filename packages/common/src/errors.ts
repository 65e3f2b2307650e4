const MARKER = Symbol.for('@tfjs-compress/invalid-argument-error');

/**
 * A bad option or argument. `option` names it and `value` holds what was
 * received, so callers (and CLIs) can point at the culprit.
 *
 * `isInstance` checks a global symbol rather than `instanceof`, which still
 * works when two copies of the package end up in one install.
 */
export class InvalidArgumentError extends Error {
  readonly [MARKER] = true;
  readonly option: string;
  readonly value: unknown;

  constructor(option: string, value: unknown, expected: string) {
    super(`Invalid ${option}: got ${describe(value)}, expected ${expected}.`);
    this.name = 'InvalidArgumentError';
    this.option = option;
    this.value = value;
  }

  static isInstance(error: unknown): error is InvalidArgumentError {
    return error != null && typeof error === 'object' && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
