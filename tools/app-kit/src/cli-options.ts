import { InvalidArgumentError as CliArgumentError } from 'commander';

/** commander argument parsers that reject bad values with a message naming the option. */
export function integerOption(name: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new CliArgumentError(`${name} must be an integer >= ${min}, got '${value}'.`);
    return n;
  };
}

export function positiveOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new CliArgumentError(`${name} must be a positive number, got '${value}'.`);
    return n;
  };
}

/** A number strictly between 0 and 1 (a fraction of a data set). */
export function fractionOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n > 0 && n < 1)) throw new CliArgumentError(`${name} must be a number between 0 and 1, got '${value}'.`);
    return n;
  };
}

export function nonNegativeOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new CliArgumentError(`${name} must be a number >= 0, got '${value}'.`);
    return n;
  };
}

export function choiceOption<T extends string>(name: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new CliArgumentError(`${name} must be one of ${choices.join(', ')}, got '${value}'.`);
    }
    return value as T;
  };
}
