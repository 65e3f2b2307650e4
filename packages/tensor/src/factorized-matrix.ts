import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { SvdOptions } from './decomposition.js';
import { factorizedFormat, type FactorizedFormat, type TensorizedShape } from './factorized-format.js';
import { resolveRanks, type RankSpec, type TensorFormat } from './ranks.js';
import { resolveShapes } from './shapes.js';
// The default format is always there.
import './tt-format.js';

/** Format used when none is given. Default: 'tensor-train'. */
export const DEFAULT_FORMAT: TensorFormat = 'tensor-train';

/** A core as a tensor, or as a variable read at each use (a layer's weight, so gradients reach it). */
export type CoreSource = tf.Tensor | { readonly shape: readonly (number | null)[]; read(): tf.Tensor };

/** What `FactorizedMatrix.resolve` needs: the matrix size and the user's requests. */
export interface FactorizedMatrixOptions {
  /** A registered format's name. Default: 'tensor-train'. */
  format?: TensorFormat;
  rows: number;
  cols: number;
  inShape?: readonly number[] | null;
  outShape?: readonly number[] | null;
  order?: number | null;
  ranks?: RankSpec | null;
  /** Multiplies the first output factor of a default `outShape` (a recurrent kernel's gates). Default: 1. */
  leadingFactor?: number;
  /** Prefix of the option names in errors (a projection's 'projection.'). Default: ''. */
  optionPrefix?: string;
}

/**
 * `FactorizedMatrix.fromDense` options: the decomposition's plus the format.
 * Options of one format's algorithm (trSvd's `sweeps`, ...) pass through.
 */
export interface FactorizedFromDenseOptions extends SvdOptions {
  /** A registered format's name. Default: 'tensor-train'. */
  format?: TensorFormat;
}

/**
 * A matrix W [prod inShape, prod outShape] held in a factorised format: the
 * resolved shapes and ranks, the format's math, and (once bound) its cores.
 * `TensorizedDense` and `TensorizedProjection` each hold one and delegate
 * to it; nothing here depends on which format it is.
 */
export class FactorizedMatrix implements TensorizedShape {
  readonly format: FactorizedFormat;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly ranks: readonly number[];
  /** Relative Frobenius error bound of the decomposition that made it (0 otherwise). */
  readonly errorBound: number;
  private cores: CoreSource[] | null = null;
  private owned = false;

  constructor(format: FactorizedFormat | TensorFormat, shape: TensorizedShape, errorBound = 0) {
    this.format = typeof format === 'string' ? factorizedFormat(format) : format;
    this.inShape = [...shape.inShape];
    this.outShape = [...shape.outShape];
    this.ranks = [...shape.ranks];
    this.errorBound = errorBound;
  }

  /**
   * Resolves the shapes (balanced factorisations where not given) and the
   * ranks of a [rows, cols] matrix, with the format's checks. No cores yet.
   */
  static resolve(options: FactorizedMatrixOptions): FactorizedMatrix {
    const format = factorizedFormat(options.format ?? DEFAULT_FORMAT);
    const prefix = options.optionPrefix ?? '';
    const { inShape, outShape } = resolveShapes(
      options.rows,
      options.cols,
      options.inShape,
      options.outShape,
      options.order,
      options.leadingFactor ?? 1,
    );
    if (inShape.length < format.minOrder) {
      throw new InvalidArgumentError(`${prefix}inShape`, inShape, `at least ${format.minOrder} factors for a ${format.name} matrix`);
    }
    const ranks = resolveRanks(format, inShape, outShape, options.ranks, `${prefix}ranks`);
    return new FactorizedMatrix(format, { inShape, outShape, ranks });
  }

  /**
   * Decomposes a dense matrix with the format's algorithm (TT-SVD, TR-SVD,
   * ...). The result owns its cores: `dispose()` them.
   */
  static fromDense(matrix: tf.Tensor2D | number[][], options: FactorizedFromDenseOptions = {}): FactorizedMatrix {
    const format = factorizedFormat(options.format ?? DEFAULT_FORMAT);
    const result = format.decompose(matrix, options);
    const factorized = new FactorizedMatrix(format, result, result.errorBound);
    factorized.bind(result.cores);
    factorized.owned = true;
    return factorized;
  }

  /** Shapes of the cores, in order. */
  get coreShapes(): number[][] {
    return this.format.coreShapes(this);
  }

  /** The cores as tensors (read from their variables). Throws before `bind`. */
  coreTensors(): tf.Tensor[] {
    if (this.cores == null) throw new Error(`${this.format.name} matrix [${this.inShape}] x [${this.outShape}] has no cores yet.`);
    return this.cores.map((core) => (core instanceof tf.Tensor ? core : core.read()));
  }

  /** Checks that `cores` have the format's shapes (`option` names them in errors). */
  checkCores(cores: readonly { readonly shape: readonly (number | null)[] }[], option = 'cores'): void {
    const expected = this.coreShapes;
    if (cores.length !== expected.length) throw new InvalidArgumentError(option, cores.length, `${expected.length} cores`);
    cores.forEach((core, k) => {
      if (core.shape.join(',') !== expected[k].join(',')) {
        throw new InvalidArgumentError(`${option}[${k}] shape`, core.shape, `[${expected[k].join(', ')}]`);
      }
    });
  }

  /** Holds these cores (not copied, not owned: whoever made them disposes them). */
  bind(cores: readonly CoreSource[]): void {
    this.checkCores(cores);
    this.releaseOwned();
    this.cores = [...cores];
  }

  /** y = x W for x [N, prod inShape], without building W. */
  matmul(x: tf.Tensor2D): tf.Tensor2D {
    return this.format.contract(x, this.coreTensors(), this);
  }

  /** W [prod inShape, prod outShape] (caller disposes). */
  toDense(): tf.Tensor2D {
    return this.format.reconstruct(this.coreTensors(), this);
  }

  /** Number of core entries. */
  paramCount(): number {
    return this.format.paramCount(this);
  }

  /** FLOPs of `matmul` per row of x (a multiply-add is 2). */
  flopsPerRow(): number {
    return this.format.flopsPerRow(this);
  }

  /** Std of i.i.d. core entries that gives W entries of `variance`. */
  coreStddev(variance: number): number {
    return this.format.coreStddev(this, variance);
  }

  /** Disposes the cores it owns (those of `fromDense`); bound variables stay with their layer. */
  dispose(): void {
    this.releaseOwned();
    this.cores = null;
  }

  private releaseOwned(): void {
    if (this.owned && this.cores) tf.dispose(this.cores as tf.Tensor[]);
    this.owned = false;
  }
}
