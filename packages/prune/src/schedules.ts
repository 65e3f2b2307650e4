import { InvalidArgumentError, assertNonNegative, assertPositive, assertPositiveInteger } from '@tfjs-compress/common';

/** When and how much to prune: the target sparsity at `step`, or null when masks are not updated then. */
export interface PruningSchedule {
  readonly name: string;
  sparsityAt(step: number): number | null;
  getConfig(): Record<string, number>;
}

export const DEFAULT_BEGIN_STEP = 0;
export const DEFAULT_END_STEP = -1;
export const DEFAULT_FREQUENCY = 100;
export const DEFAULT_POWER = 3;

export interface ConstantSparsityArgs {
  /** Fraction of each weight tensor set to zero, in [0, 1). Required. */
  targetSparsity: number;
  /** First step (batch) at which masks are updated. Default: 0. */
  beginStep?: number;
  /** Last step at which masks are updated; -1 for no end. Default: -1. */
  endStep?: number;
  /** Masks are updated every `frequency` steps from `beginStep`. Default: 100. */
  frequency?: number;
}

export interface PolynomialDecayArgs {
  /** Sparsity at `beginStep`, in [0, 1). Default: 0. */
  initialSparsity?: number;
  /** Sparsity from `endStep` on, in [0, 1). Required. */
  finalSparsity: number;
  /** First step at which masks are updated. Default: 0. */
  beginStep?: number;
  /** Step at which `finalSparsity` is reached (> beginStep). Required. */
  endStep: number;
  /** Exponent of the decay: `s = final + (initial - final)(1 - progress)^power`. Default: 3. */
  power?: number;
  /** Masks are updated every `frequency` steps from `beginStep`. Default: 100. */
  frequency?: number;
}

function assertSparsity(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new InvalidArgumentError(option, value, 'a sparsity in [0, 1)');
  }
}

function assertStep(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -1) {
    throw new InvalidArgumentError(option, value, 'an integer step >= 0 (or -1 for no end)');
  }
}

function onSchedule(step: number, begin: number, end: number, frequency: number): boolean {
  return step >= begin && (end < 0 || step <= end) && (step - begin) % frequency === 0;
}

/** The same sparsity at every update (the tfmot `ConstantSparsity` schedule). */
export function constantSparsity(args: ConstantSparsityArgs): PruningSchedule {
  const targetSparsity = args.targetSparsity;
  const beginStep = args.beginStep ?? DEFAULT_BEGIN_STEP;
  const endStep = args.endStep ?? DEFAULT_END_STEP;
  const frequency = args.frequency ?? DEFAULT_FREQUENCY;
  assertSparsity(targetSparsity, 'targetSparsity');
  assertStep(beginStep, 'beginStep');
  assertStep(endStep, 'endStep');
  assertPositiveInteger(frequency, 'frequency');
  if (endStep >= 0 && endStep < beginStep) throw new InvalidArgumentError('endStep', endStep, `-1 or >= beginStep (${beginStep})`);
  return {
    name: 'constantSparsity',
    sparsityAt: (step) => (onSchedule(step, beginStep, endStep, frequency) ? targetSparsity : null),
    getConfig: () => ({ targetSparsity, beginStep, endStep, frequency }),
  };
}

/** Sparsity rising from `initialSparsity` to `finalSparsity` along a polynomial (tfmot `PolynomialDecay`). */
export function polynomialDecay(args: PolynomialDecayArgs): PruningSchedule {
  const initialSparsity = args.initialSparsity ?? 0;
  const finalSparsity = args.finalSparsity;
  const beginStep = args.beginStep ?? DEFAULT_BEGIN_STEP;
  const endStep = args.endStep;
  const power = args.power ?? DEFAULT_POWER;
  const frequency = args.frequency ?? DEFAULT_FREQUENCY;
  assertSparsity(initialSparsity, 'initialSparsity');
  assertSparsity(finalSparsity, 'finalSparsity');
  assertStep(beginStep, 'beginStep');
  assertNonNegative(endStep, 'endStep');
  if (!(endStep > beginStep)) throw new InvalidArgumentError('endStep', endStep, `a step after beginStep (${beginStep})`);
  assertPositive(power, 'power');
  assertPositiveInteger(frequency, 'frequency');
  return {
    name: 'polynomialDecay',
    sparsityAt: (step) => {
      if (!onSchedule(step, beginStep, endStep, frequency) && step !== endStep) return null;
      const progress = Math.min(1, Math.max(0, (step - beginStep) / (endStep - beginStep)));
      return finalSparsity + (initialSparsity - finalSparsity) * (1 - progress) ** power;
    },
    getConfig: () => ({ initialSparsity, finalSparsity, beginStep, endStep, power, frequency }),
  };
}
