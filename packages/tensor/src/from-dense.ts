import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { SvdOptions } from './decomposition.js';
import { factorizedFormat, type FactorizedDecomposition } from './factorized-format.js';
import { DEFAULT_FORMAT, FactorizedMatrix } from './factorized-matrix.js';
import { DEFAULT_RANK, type TensorFormat } from './ranks.js';
import { resolveShapes } from './shapes.js';
import { FactorizedDense } from './factorized-dense.js';
import { FactorizedProjection } from './factorized-projection.js';
import { tensorizedDenseFactory, type TensorizedDense, type TensorizedDenseArgs } from './tensorized-dense.js';
import { tensorizedProjectionFactory, type TensorizedProjection } from './tensorized-projection.js';
import type { TrSvdOptions } from './tr-svd.js';

export interface FromDenseOptions extends TrSvdOptions {
  /** A registered format: 'tensor-train' (TT-SVD), 'tensor-ring' (TR-SVD), ... Default: 'tensor-train'. */
  format?: TensorFormat;
}

export interface ProjectionFromDenseOptions extends FromDenseOptions {
  /**
   * Gate blocks in the kernel's columns (4 LSTM, 3 GRU), folded into the
   * first output factor when `outShape` is not given. Default: read from the
   * layer's class name (LSTM 4, GRU 3), else 1.
   */
  gates?: number;
}

/** The decomposition of `options.format` (TT-SVD, TR-SVD, ...). Caller disposes the cores. */
export function decompose(matrix: tf.Tensor2D | number[][], options: FromDenseOptions = {}): FactorizedDecomposition {
  return factorizedFormat(options.format ?? DEFAULT_FORMAT).decompose(matrix, options);
}

/** Without a rank cap or a tolerance, conversions keep DEFAULT_RANK (an exact conversion is rarely smaller). */
function withDefaultRank<T extends SvdOptions>(options: T): T {
  return options.maxRank == null && options.tolerance == null ? { ...options, maxRank: DEFAULT_RANK } : options;
}

/** The format's own layer class (TTDense, TRDense), else the generic FactorizedDense. */
function denseLayer(format: TensorFormat, args: TensorizedDenseArgs): TensorizedDense {
  const create = tensorizedDenseFactory(format);
  return create ? create(args) : new FactorizedDense({ ...args, format });
}

function isLayer(source: unknown): source is tfl.layers.Layer {
  return source != null && typeof source === 'object' && typeof (source as tfl.layers.Layer).getWeights === 'function';
}

/**
 * Converts a trained `tf.layers.dense` (or a bare kernel [in, out]) into a
 * built layer of the format's class (TTDense, TRDense; FactorizedDense for
 * a format without a class of its own) holding the
 * decomposed kernel and the same bias and activation. Rank: `maxRank`
 * and/or `tolerance`, Default: maxRank 8.
 */
export function fromDense(source: tfl.layers.Layer | tf.Tensor2D, options: FromDenseOptions = {}): TensorizedDense {
  const format = factorizedFormat(options.format ?? DEFAULT_FORMAT);
  let kernel: tf.Tensor2D;
  let bias: tf.Tensor | undefined;
  let activation = 'linear';
  let name: string | undefined;
  if (isLayer(source)) {
    if (source.getClassName() !== 'Dense' || !source.built) {
      throw new InvalidArgumentError('layer', source.getClassName(), 'a built tf.layers.dense layer (or a kernel tensor)');
    }
    const config = source.getConfig();
    [kernel, bias] = source.getWeights() as [tf.Tensor2D, tf.Tensor?];
    activation = typeof config.activation === 'string' ? config.activation : 'linear';
    name = `${source.name}_${format.tag}`;
  } else if (source instanceof tf.Tensor && source.rank === 2) {
    kernel = source;
  } else {
    throw new InvalidArgumentError('source', source, 'a built tf.layers.dense layer or a 2-D kernel tensor');
  }
  const matrix = FactorizedMatrix.fromDense(kernel, withDefaultRank({ ...options, format: format.name }));
  try {
    const layer = denseLayer(format.name, {
      units: kernel.shape[1],
      inShape: [...matrix.inShape],
      outShape: [...matrix.outShape],
      ranks: [...matrix.ranks],
      useBias: bias != null,
      activation,
      name,
    });
    layer.build([null, kernel.shape[0]]);
    layer.setCores(matrix.coreTensors(), bias);
    return layer;
  } finally {
    matrix.dispose();
  }
}

function gatesOf(source: unknown): number {
  if (!isLayer(source)) return 1;
  const name = source.getClassName();
  if (name.includes('LSTM')) return 4;
  if (name.includes('GRU')) return 3;
  return 1;
}

function recurrentKernel(source: tfl.layers.Layer): tf.Tensor2D {
  const projection = (source as unknown as { cell?: { projection?: { toDense(): tf.Tensor2D } } }).cell?.projection;
  if (projection) return projection.toDense();
  const kernel = source.getWeights()[0];
  if (kernel == null || kernel.rank !== 2) {
    throw new InvalidArgumentError('layer', source.getClassName(), 'a built LSTM/GRU layer whose first weight is the kernel');
  }
  return tf.clone(kernel) as tf.Tensor2D;
}

/**
 * Converts the input kernel [in, gates * units] of a trained LSTM/GRU
 * (tfjs built-in or VIB; or a bare kernel) into a projection of the format's
 * class (TTProjection, TRProjection; else FactorizedProjection) that a
 * VIBLSTM/VIBGRU builds with these cores as its starting weights. The gates
 * are folded into the first output factor unless `outShape` is given.
 */
export function projectionFromDense(
  source: tfl.layers.Layer | tf.Tensor2D,
  options: ProjectionFromDenseOptions = {},
): TensorizedProjection {
  const kernel = isLayer(source) ? recurrentKernel(source) : source;
  if (!(kernel instanceof tf.Tensor) || kernel.rank !== 2) {
    throw new InvalidArgumentError('source', source, 'a built LSTM/GRU layer or a 2-D kernel tensor');
  }
  try {
    const gates = options.gates ?? gatesOf(source);
    const [rows, cols] = kernel.shape;
    const shapes = resolveShapes(rows, cols, options.inShape, options.outShape, options.order, gates);
    const format = factorizedFormat(options.format ?? DEFAULT_FORMAT).name;
    const matrix = FactorizedMatrix.fromDense(kernel, withDefaultRank({ ...options, ...shapes, format }));
    try {
      const config = { inShape: [...matrix.inShape], outShape: [...matrix.outShape], ranks: [...matrix.ranks] };
      const create = tensorizedProjectionFactory(format);
      return create ? create(config, matrix.coreTensors()) : new FactorizedProjection({ ...config, format }, matrix.coreTensors());
    } finally {
      matrix.dispose();
    }
  } finally {
    if (kernel !== source) kernel.dispose();
  }
}
