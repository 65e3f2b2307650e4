import { InvalidArgumentError } from '@tfjs-compress/common';

/** klFac both controllers start from once the warm-up is over. */
export const DEFAULT_CONTROLLER_START_KL_FAC = 1e-4;
/** Largest factor by which klFac may grow in one control step. */
export const DEFAULT_CONTROLLER_GROWTH = 1.5;
/** Compressions above this (Infinity: everything pruned) count as this in the controllers' arithmetic. */
export const MAX_MEASURED_COMPRESSION = 1e9;
/** klFac is kept inside [min, max]. */
export const CONTROLLER_KL_FAC_RANGE: readonly [number, number] = [1e-9, 10];

/** What both controllers take: where klFac starts and how fast it may grow. */
export interface KlStepArgs {
  /** klFac of the first control step, > 0. Default: 1e-4. */
  startKlFac?: number;
  /** Largest per-step growth of klFac, a finite number > 1. Default: 1.5. */
  growth?: number;
}

/** `args`' start and growth, checked. */
export function klSteps(args: KlStepArgs): { startKlFac: number; growth: number } {
  const startKlFac = args.startKlFac ?? DEFAULT_CONTROLLER_START_KL_FAC;
  const growth = args.growth ?? DEFAULT_CONTROLLER_GROWTH;
  if (!(startKlFac > 0) || !Number.isFinite(startKlFac)) throw new InvalidArgumentError('startKlFac', startKlFac, 'a finite number > 0');
  if (!(growth > 1) || !Number.isFinite(growth)) throw new InvalidArgumentError('growth', growth, 'a finite number > 1');
  return { startKlFac, growth };
}

export function clampKlFac(value: number): number {
  const [low, high] = CONTROLLER_KL_FAC_RANGE;
  return Math.min(high, Math.max(low, value));
}

/** A measured compression as the controllers compute with it: >= 1 and finite (everything pruned measures Infinity). */
export function measuredCompression(compression: number): number {
  return Math.min(MAX_MEASURED_COMPRESSION, Math.max(1, compression));
}

/**
 * A number as a controller state stores it. JSON.stringify turns Infinity and
 * NaN into null and -0 into 0, so those travel as strings to round-trip exactly.
 */
export type StateNumber = number | 'Infinity' | '-Infinity' | 'NaN' | '-0';

const SPECIAL_NUMBERS: readonly string[] = ['Infinity', '-Infinity', 'NaN', '-0'];

export function encodeNumber(value: number): StateNumber {
  if (Object.is(value, -0)) return '-0';
  return Number.isFinite(value) ? value : (String(value) as StateNumber);
}

export function decodeNumber(value: unknown, option: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && SPECIAL_NUMBERS.includes(value)) return Number(value);
  throw new InvalidArgumentError(option, value, `a number or one of ${SPECIAL_NUMBERS.map((s) => `'${s}'`).join(', ')}`);
}

export function decodeNullable(value: unknown, option: string): number | null {
  return value === null ? null : decodeNumber(value, option);
}

export function decodeNumbers(value: unknown, option: string): number[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(option, value, 'an array of numbers');
  return value.map((v, i) => decodeNumber(v, `${option}[${i}]`));
}

/**
 * `state` as an object of unknown fields (it usually comes from JSON.parse,
 * whatever its static type), with its kind and version checked: each
 * controller's state names its kind, so one cannot be restored into the other.
 */
export function stateFields<T extends object>(state: unknown, kind: string, version: number): { [K in keyof T]?: unknown } {
  if (state == null || typeof state !== 'object') throw new InvalidArgumentError('state', state, `the getState() value of a ${kind}`);
  const fields = state as { [K in keyof T]?: unknown } & { kind?: unknown; version?: unknown };
  if (fields.kind !== kind) throw new InvalidArgumentError('state.kind', fields.kind, `'${kind}'`);
  if (fields.version !== version) throw new InvalidArgumentError('state.version', fields.version, String(version));
  return fields;
}
