import { InvalidArgumentError, assertPositiveInteger } from '@tfjs-compress/common';

/**
 * Bias conventions for recurrent parameter counts: `'tfjs'` has one bias per
 * gate row (LSTM 4H, GRU 3H); `'pytorch'` has two (input and recurrent
 * biases, LSTM 8H, GRU 6H), the convention of the paper's published counts;
 * `'none'` leaves biases out.
 */
export type BiasConvention = 'tfjs' | 'pytorch' | 'none';
export const BIAS_CONVENTIONS: readonly BiasConvention[] = ['tfjs', 'pytorch', 'none'];
export const DEFAULT_BIAS_CONVENTION: BiasConvention = 'tfjs';

/** Gate blocks per cell type. */
export const LSTM_GATE_COUNT = 4;
export const GRU_GATES = 3;

function assertCount(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(option, value, 'an integer >= 0');
  }
}

function biasPerRow(convention: BiasConvention): number {
  switch (convention) {
    case 'tfjs':
      return 1;
    case 'pytorch':
      return 2;
    case 'none':
      return 0;
    default:
      throw new InvalidArgumentError('biasConvention', convention, `one of ${BIAS_CONVENTIONS.join(', ')}`);
  }
}

/**
 * Parameters of a recurrent layer with `gates` gate blocks: `G H (F + H)`
 * weights plus `G H` (tfjs) or `2 G H` (pytorch) biases.
 */
export function recurrentParamCount(
  inputs: number,
  units: number,
  gates: number,
  biasConvention: BiasConvention = DEFAULT_BIAS_CONVENTION,
): number {
  assertCount(inputs, 'inputs');
  assertCount(units, 'units');
  assertPositiveInteger(gates, 'gates');
  return gates * units * (inputs + units) + biasPerRow(biasConvention) * gates * units;
}

/** LSTM parameters: `4H(F+H) + 4H` (tfjs) or `+ 8H` (pytorch, the paper's convention). */
export function lstmParamCount(inputs: number, units: number, biasConvention: BiasConvention = DEFAULT_BIAS_CONVENTION): number {
  return recurrentParamCount(inputs, units, LSTM_GATE_COUNT, biasConvention);
}

/** GRU parameters: `3H(F+H) + 3H` (tfjs) or `+ 6H` (pytorch). */
export function gruParamCount(inputs: number, units: number, biasConvention: BiasConvention = DEFAULT_BIAS_CONVENTION): number {
  return recurrentParamCount(inputs, units, GRU_GATES, biasConvention);
}

/** Dense parameters: `in * out` plus `out` with a bias. */
export function denseParamCount(inputs: number, units: number, useBias = true): number {
  assertCount(inputs, 'inputs');
  assertCount(units, 'units');
  return inputs * units + (useBias ? units : 0);
}

/**
 * FLOPs of one recurrent time step. Convention: a multiply-add counts as 2
 * FLOPs; the input projection (`projectionFlops`, default dense `2 F G H`),
 * the recurrent matmul `2 H G H` and the bias add `G H` are counted; the
 * element-wise gate nonlinearities and products are not.
 */
export function recurrentFlopsPerStep(
  inputs: number,
  units: number,
  gates: number,
  options: { useBias?: boolean; projectionFlops?: number } = {},
): number {
  assertCount(inputs, 'inputs');
  assertCount(units, 'units');
  const projection = options.projectionFlops ?? 2 * inputs * gates * units;
  return projection + 2 * units * gates * units + ((options.useBias ?? true) ? gates * units : 0);
}

/** FLOPs of one dense row: `2 in out` plus `out` bias adds. */
export function denseFlopsPerRow(inputs: number, units: number, useBias = true): number {
  return 2 * inputs * units + (useBias ? units : 0);
}
