import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers.js';
import type { Constraint } from '@tensorflow/tfjs-layers/dist/constraints.js';
import { InvalidArgumentError } from '@tfjs-compress/common';

/**
 * The input-to-hidden map of a recurrent cell, [N, inputDim] -> [N, outputDim]
 * with outputDim = gates * units, columns gate-major in tfjs order (LSTM:
 * i, f, c, o; GRU: z, r, h), exactly like a tfjs `kernel`.
 *
 * A projection owns its options; its weights live on the cell that builds it
 * (through `context.addWeight`), so they save, load and train like any weight.
 * Other packages add projections (tensor-train, tensor-ring, ...) with
 * `registerProjection` and users select them by class name.
 */
export interface InputProjection {
  /** Registry key; written into the cell's config. */
  readonly className: string;
  /** Creates the weights. Called once, from the cell's `build`. */
  build(inputDim: number, outputDim: number, context: ProjectionBuildContext): void;
  /** x [N, inputDim] -> [N, outputDim]; must not build the dense matrix when avoidable. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** The dense [inputDim, outputDim] matrix this projection represents (caller disposes). */
  toDense(): tf.Tensor2D;
  /** Number of trainable parameters of the projection. */
  paramCount(): number;
  /** Floating-point operations to project one row (a multiply-add counts as 2). */
  flopsPerRow(): number;
  /** The weights created in `build`, in creation order. */
  readonly weights: tfl.LayerVariable[];
  /** Options needed to rebuild the projection (not its weights). */
  getConfig(): tf.serialization.ConfigDict;
  /**
   * Keeps only the input rows and output columns listed (null: all), in
   * place (`sliceVariable`), and says how each weight was sliced. Optional:
   * a projection without it cannot be shrunk in place.
   */
  sliceInPlace?(rows: number[] | null, columns: number[] | null): Array<{ variable: tfl.LayerVariable; indices: Array<number[] | null> }>;
  /** The inverse of `sliceInPlace`: rows and columns spread back by maps (position or -1 for a zero row / column), in place. */
  spreadInPlace?(rows: number[] | null, columns: number[] | null): void;
}

export interface ProjectionBuildContext {
  /** Creates a weight on the owning cell. */
  addWeight(
    name: string,
    shape: number[],
    initializer: Initializer,
    regularizer?: Regularizer,
    constraint?: Constraint,
  ): tfl.LayerVariable;
  /** The cell's kernel options, for projections that honour them. */
  kernelInitializer: Initializer;
  kernelRegularizer?: Regularizer;
  kernelConstraint?: Constraint;
  /** Gate blocks in the output (4 for LSTM, 3 for GRU) and units per gate. */
  gates: number;
  units: number;
}

export type SerializedProjection = { className: string; config?: tf.serialization.ConfigDict };
export type ProjectionSpec = string | InputProjection | SerializedProjection;
export type ProjectionFactory = (config: tf.serialization.ConfigDict) => InputProjection;

const REGISTRY = new Map<string, ProjectionFactory>();

/** Makes a projection selectable (and loadable) by `className`. */
export function registerProjection(className: string, factory: ProjectionFactory): void {
  REGISTRY.set(className, factory);
}

export function registeredProjections(): string[] {
  return [...REGISTRY.keys()];
}

function isProjection(spec: unknown): spec is InputProjection {
  return spec != null && typeof spec === 'object' && typeof (spec as InputProjection).apply === 'function';
}

/** A fresh projection from a name, a `{className, config}` or an instance. */
export function createProjection(spec: ProjectionSpec, option = 'projection'): InputProjection {
  if (isProjection(spec)) return spec;
  const { className, config } = typeof spec === 'string' ? { className: spec, config: {} } : spec;
  const factory = REGISTRY.get(className);
  if (factory == null) {
    const known = registeredProjections().map((k) => `'${k}'`).join(', ');
    throw new InvalidArgumentError(
      option,
      className,
      `a registered projection (${known}); tensor projections register when @tfjs-compress/tensor is imported`,
    );
  }
  return factory(config ?? {});
}

export function serializeProjection(projection: InputProjection): SerializedProjection {
  return { className: projection.className, config: projection.getConfig() };
}
