import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import { resolveInitializer, serializeObject, spreadWeight, type InitializerSpec } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError, assertFiniteNumber, assertPositiveInteger } from '@tfjs-compress/common';
import type { InputProjection, ProjectionBuildContext } from '@tfjs-compress/vib-rnn';
import { coreInitializers } from './core-initializer.js';
import type { RankSpec, TensorFormat } from './ranks.js';
import { product, validateShape } from './shapes.js';
import { factorizedFormat, type TensorizedShape } from './factorized-format.js';
import { FactorizedMatrix } from './factorized-matrix.js';
import { AxisView } from './axis-view.js';

/** Options of a TT/TR input projection (its `config` in `{className, config}`). */
export interface TensorizedProjectionConfig {
  /** Factorisation of the input size. Default: balanced, `order` factors. */
  inShape?: number[];
  /**
   * Factorisation of gates * units. Default: `factorize(units, order)` with
   * its first factor multiplied by the gate count (gates folded into the
   * first core, as Yang et al.).
   */
  outShape?: number[];
  /** Number of cores when no shape is given. Default: 3. */
  order?: number;
  /** An integer, a full list of d + 1 ranks, or a fraction in (0, 1). Default: 8. */
  ranks?: RankSpec;
  /**
   * Initializer of every core. Default: normal cores with a Glorot-variance
   * reconstruction (fanIn = input size, fanOut = gates * units, like the
   * tfjs LSTM kernel). The cell's `kernelInitializer` is not used: it is meant
   * for a dense matrix, not for factors of one.
   */
  coresInitializer?: InitializerSpec;
  /** Seed of the default core initializer. Default: unseeded. */
  seed?: number;
  /**
   * Written by in-place shrinking (`sliceInPlace`), read back on load: per
   * input row the projection reads, the row of the factorised matrix it
   * feeds, or -1 for none. Default: every row, in order.
   */
  rowMap?: number[];
  /** Like `rowMap`, for the output columns (gates * units). */
  columnMap?: number[];
}

/** Initializer that returns fixed values (cores from a decomposition). Not serialized: the weights are. */
function valuesInitializer(values: tf.Tensor): Initializer {
  return {
    apply: (shape: number[]) => {
      if (shape.join(',') !== values.shape.join(',')) throw new Error(`internal: core [${values.shape}] for [${shape}]`);
      return tf.clone(values);
    },
    getClassName: () => 'TensorValues',
    getConfig: () => ({}),
  } as unknown as Initializer;
}

const copyOrNull = (list: readonly number[] | null | undefined): number[] | null => (list == null ? null : [...list]);

/**
 * Input-to-hidden map of a VIB recurrent cell as a `FactorizedMatrix`
 * [inputDim, gates * units] of the subclass's format (TT, TR, ...), its
 * cores the cell's weights `kernel_core_k`. Columns are gate-major like a tfjs kernel:
 * with the row-major output index and the gates folded into the first
 * output factor (n_1 = gates * n_1'), column (j_1, ..., j_d) belongs to gate
 * floor(j_1 / n_1'), i.e. blocks of `units` columns per gate in order.
 */
export abstract class TensorizedProjection implements InputProjection {
  abstract readonly className: string;
  readonly format: TensorFormat;
  private readonly requested: TensorizedProjectionConfig;
  private readonly coresInitializer: Initializer | undefined;
  private readonly seed: number | undefined;
  private initialCores: tf.Tensor[] | null;
  private matrix: FactorizedMatrix | null = null;
  private cores: tfl.LayerVariable[] = [];
  /** The rows and columns shown once built (shrinking narrows them; the cores keep their shapes). */
  private rows: AxisView | null = null;
  private columns: AxisView | null = null;

  protected constructor(format: TensorFormat, config: TensorizedProjectionConfig, initialCores?: readonly tf.Tensor[]) {
    this.format = factorizedFormat(format).name;
    if (config.inShape != null) validateShape(config.inShape, 'projection.inShape');
    if (config.outShape != null) validateShape(config.outShape, 'projection.outShape');
    if (config.order != null) assertPositiveInteger(config.order, 'projection.order');
    if (config.seed != null) assertFiniteNumber(config.seed, 'projection.seed');
    this.requested = { ...config };
    this.seed = config.seed ?? undefined;
    this.coresInitializer = resolveInitializer(config.coresInitializer, 'projection.coresInitializer');
    if (config.inShape != null && config.outShape != null) {
      this.resolve(product(config.inShape), product(config.outShape), 1);
    }
    if (initialCores) {
      if (this.matrix == null) {
        throw new InvalidArgumentError('projection.outShape', config.outShape ?? null, 'inShape and outShape given with initial cores');
      }
      this.matrix.checkCores(initialCores);
    }
    this.initialCores = initialCores ? initialCores.map((c) => tf.keep(tf.clone(c))) : null;
  }

  private resolve(inputDim: number, outputDim: number, gates: number): FactorizedMatrix {
    this.matrix ??= FactorizedMatrix.resolve({
      format: this.format,
      rows: inputDim,
      cols: outputDim,
      inShape: this.requested.inShape,
      outShape: this.requested.outShape,
      order: this.requested.order,
      ranks: this.requested.ranks,
      leadingFactor: gates,
      optionPrefix: 'projection.',
    });
    const { inShape, outShape } = this.matrix;
    if (product(inShape) !== inputDim) {
      throw new InvalidArgumentError('projection.inShape', inShape, `factors whose product equals the input size ${inputDim}`);
    }
    if (product(outShape) !== outputDim) {
      throw new InvalidArgumentError('projection.outShape', outShape, `factors whose product equals gates * units = ${outputDim}`);
    }
    return this.matrix;
  }

  /** Resolved shapes and ranks. */
  get tensorShape(): TensorizedShape {
    const { inShape, outShape, ranks } = this.factorized;
    return { inShape, outShape, ranks };
  }

  /** The factorised kernel the projection delegates to. */
  get factorized(): FactorizedMatrix {
    if (this.matrix == null) throw new Error(`${this.className} projection used before build().`);
    return this.matrix;
  }

  /** The factorised size of an axis: the visible one, unless a saved map shows part of a larger one. */
  private underlyingSize(map: number[] | undefined, visible: number, option: 'rowMap' | 'columnMap'): number {
    if (map == null) return visible;
    if (this.matrix == null) throw new InvalidArgumentError(`projection.${option}`, `${map.length} entries`, 'a map given together with inShape and outShape');
    return product(option === 'rowMap' ? this.matrix.inShape : this.matrix.outShape);
  }

  build(inputDim: number, outputDim: number, context: ProjectionBuildContext): void {
    const { rowMap, columnMap } = this.requested;
    const rows = this.underlyingSize(rowMap, inputDim, 'rowMap');
    const columns = this.underlyingSize(columnMap, outputDim, 'columnMap');
    const matrix = this.resolve(rows, columns, context.gates);
    this.rows = AxisView.from(rowMap, rows, inputDim, 'projection.rowMap');
    this.columns = AxisView.from(columnMap, columns, outputDim, 'projection.columnMap');
    const initializers = this.initialCores
      ? this.initialCores.map(valuesInitializer)
      : coreInitializers(matrix, this.coresInitializer, this.seed, rows, columns);
    this.cores = matrix.coreShapes.map((coreShape, k) =>
      context.addWeight(`kernel_core_${k}`, coreShape, initializers[k], context.kernelRegularizer),
    );
    matrix.bind(this.cores);
    if (this.initialCores) {
      tf.dispose(this.initialCores);
      this.initialCores = null;
    }
  }

  private builtMatrix(): FactorizedMatrix {
    if (this.cores.length === 0) throw new Error(`${this.className} projection used before build().`);
    return this.factorized;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const matrix = this.builtMatrix();
    return tf.tidy(() => this.columns!.fromUnderlying(matrix.matmul(this.rows!.toUnderlying(x) as tf.Tensor2D)) as tf.Tensor2D);
  }

  toDense(): tf.Tensor2D {
    const matrix = this.builtMatrix();
    const maps = [this.rows!.map, this.columns!.map] as Array<number[] | null>;
    if (maps.every((m) => m == null)) return matrix.toDense();
    return tf.tidy(() => spreadWeight(matrix.toDense(), maps) as tf.Tensor2D);
  }

  /**
   * Keeps only the input rows and output columns listed (positions among
   * those shown now; null: all): the view narrows, the cores stay as they
   * are, so no weight is sliced (an empty list). Parameters and FLOPs do not
   * drop; what the layer around it saves (recurrent kernel, bias) does.
   */
  sliceInPlace(rows: number[] | null, columns: number[] | null): Array<{ variable: tfl.LayerVariable; indices: Array<number[] | null> }> {
    this.builtMatrix();
    this.rows = this.rows!.slice(rows);
    this.columns = this.columns!.slice(columns);
    return [];
  }

  /** The inverse of `sliceInPlace`: positions spread back by maps (a position shown now, or -1 for a row or column of zeros). */
  spreadInPlace(rows: number[] | null, columns: number[] | null): void {
    this.builtMatrix();
    this.rows = this.rows!.spread(rows);
    this.columns = this.columns!.spread(columns);
  }

  paramCount(): number {
    return this.factorized.paramCount();
  }

  flopsPerRow(): number {
    return this.factorized.flopsPerRow();
  }

  /** Dense [inputDim, gates * units] parameters divided by `paramCount()`. */
  compressionRatio(): number {
    const { inShape, outShape } = this.factorized;
    return (product(inShape) * product(outShape)) / this.paramCount();
  }

  get weights(): tfl.LayerVariable[] {
    return [...this.cores];
  }

  getConfig(): tf.serialization.ConfigDict {
    const shape = this.matrix;
    return {
      inShape: shape ? [...shape.inShape] : (this.requested.inShape ?? null),
      outShape: shape ? [...shape.outShape] : (this.requested.outShape ?? null),
      order: shape ? shape.inShape.length : (this.requested.order ?? null),
      ranks: ((shape ? [...shape.ranks] : this.requested.ranks) ?? null) as tf.serialization.ConfigDictValue,
      coresInitializer: serializeObject(this.coresInitializer as tf.serialization.Serializable | undefined),
      seed: this.seed ?? null,
      rowMap: copyOrNull(this.rows ? this.rows.map : this.requested.rowMap),
      columnMap: copyOrNull(this.columns ? this.columns.map : this.requested.columnMap),
    };
  }
}

/** Builds the projection class of a format (TTProjection for 'tensor-train', ...). */
export type TensorizedProjectionFactory = (config: TensorizedProjectionConfig, initialCores?: readonly tf.Tensor[]) => TensorizedProjection;

const projectionFactories = new Map<string, TensorizedProjectionFactory>();

/** Names the projection class `projectionFromDense` builds for a registered format. */
export function registerTensorizedProjection(format: TensorFormat, create: TensorizedProjectionFactory): void {
  projectionFactories.set(factorizedFormat(format).name, create);
}

/** The factory registered for `format`, if any (`projectionFromDense` falls back to `FactorizedProjection`). */
export function tensorizedProjectionFactory(format: TensorFormat): TensorizedProjectionFactory | undefined {
  return projectionFactories.get(format);
}

/** Drops the nulls `getConfig` writes so a loaded config reads like user options. */
export function projectionConfigFrom(config: tf.serialization.ConfigDict): TensorizedProjectionConfig {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (value != null) out[key] = value;
  return out as TensorizedProjectionConfig;
}
