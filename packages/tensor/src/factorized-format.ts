import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { SvdOptions } from './decomposition.js';

/**
 * A factorised matrix W [prod inShape, prod outShape] in some format: the
 * factorisations of its two sides and the format's ranks (their meaning and
 * length are the format's; for TT/TR, [r_0..r_d]).
 */
export interface TensorizedShape {
  inShape: readonly number[];
  outShape: readonly number[];
  ranks: readonly number[];
}

/** A dense matrix decomposed into a format (`ttSvd`'s and `trSvd`'s results are ones). Caller disposes `cores`. */
export interface FactorizedDecomposition extends TensorizedShape {
  format: string;
  cores: tf.Tensor[];
  /** Upper bound (or exact value) of ||W - W_approx||_F / ||W||_F. */
  errorBound: number;
}

/**
 * What differs between factorised-matrix formats. `FactorizedMatrix`, the
 * layers, the projections and `fromDense` read a format only through this,
 * so a new format is one object passed to `registerFactorizedFormat`.
 */
export interface FactorizedFormat {
  /** Registry key, `TensorDecomposition.format` and the `format` option's value. */
  readonly name: string;
  /** Short tag for generated names (`fromDense` names a converted layer `<name>_<tag>`). */
  readonly tag: string;
  /** Fewest factors `inShape` / `outShape` may have. */
  readonly minOrder: number;
  /** Ranks when every bond asks for `rank` (a format may lower or fix some). */
  uniformRanks(rank: number, inShape: readonly number[], outShape: readonly number[]): number[];
  /** Throws `InvalidArgumentError(option, ranks, ...)` when a full rank list breaks the format's rules. */
  checkRanks(ranks: readonly number[], inShape: readonly number[], outShape: readonly number[], option: string): void;
  /** Shapes of the weight tensors ("cores"), in order. */
  coreShapes(shape: TensorizedShape): number[][];
  /** Number of core entries. */
  paramCount(shape: TensorizedShape): number;
  /** Floating-point operations of `contract` per input row (a multiply-add is 2). */
  flopsPerRow(shape: TensorizedShape): number;
  /** x [N, prod inShape] times W, without building W; differentiable in x and the cores. */
  contract(x: tf.Tensor2D, cores: readonly tf.Tensor[], shape: TensorizedShape): tf.Tensor2D;
  /** W itself (caller disposes). */
  reconstruct(cores: readonly tf.Tensor[], shape: TensorizedShape): tf.Tensor2D;
  /** Std of i.i.d. zero-mean core entries that gives W's entries `variance` (the default initializer). */
  coreStddev(shape: TensorizedShape, variance: number): number;
  /** Decomposes a dense matrix into this format (caller disposes the cores). */
  decompose(matrix: tf.Tensor2D | number[][], options: SvdOptions): FactorizedDecomposition;
}

const formats = new Map<string, FactorizedFormat>();

/** Makes a format available by name to `FactorizedMatrix`, the layers, projections and `fromDense`. */
export function registerFactorizedFormat(format: FactorizedFormat): void {
  if (format == null || typeof format.name !== 'string' || format.name.length === 0) {
    throw new InvalidArgumentError('format.name', format?.name, 'a non-empty string');
  }
  formats.set(format.name, format);
}

/** Names of the registered formats, in registration order. */
export function factorizedFormatNames(): string[] {
  return [...formats.keys()];
}

/** The registered format called `name`. */
export function factorizedFormat(name: string, option = 'format'): FactorizedFormat {
  const format = typeof name === 'string' ? formats.get(name) : undefined;
  if (format == null) {
    throw new InvalidArgumentError(option, name, `a registered format (${factorizedFormatNames().map((n) => `'${n}'`).join(', ')})`);
  }
  return format;
}
