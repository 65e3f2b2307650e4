import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, assertOneOf } from '@tfjs-compress/common';
import type { SvdOptions, TensorDecomposition } from './decomposition.js';
import { DEFAULT_RANK, TENSOR_FORMATS, type TensorFormat } from './ranks.js';
import { resolveShapes } from './shapes.js';
import { TRDense } from './tr-dense.js';
import { TRProjection } from './tr-projection.js';
import { trSvd, type TrSvdOptions } from './tr-svd.js';
import { TTDense } from './tt-dense.js';
import { TTProjection } from './tt-projection.js';
import { ttSvd } from './tt-svd.js';

export const DEFAULT_FORMAT: TensorFormat = 'tensor-train';

export interface FromDenseOptions extends TrSvdOptions {
  /** 'tensor-train' (TT-SVD) or 'tensor-ring' (TR-SVD). Default: 'tensor-train'. */
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

/** TT-SVD or TR-SVD by format. Caller disposes the cores. */
export function decompose(matrix: tf.Tensor2D | number[][], options: FromDenseOptions = {}): TensorDecomposition {
  const format = options.format ?? DEFAULT_FORMAT;
  assertOneOf(format, TENSOR_FORMATS, 'format');
  return format === 'tensor-train' ? ttSvd(matrix, options) : trSvd(matrix, options);
}

/** Without a rank cap or a tolerance, conversions keep DEFAULT_RANK (an exact conversion is rarely smaller). */
function withDefaultRank<T extends SvdOptions>(options: T): T {
  return options.maxRank == null && options.tolerance == null ? { ...options, maxRank: DEFAULT_RANK } : options;
}

function isLayer(source: unknown): source is tfl.layers.Layer {
  return source != null && typeof source === 'object' && typeof (source as tfl.layers.Layer).getWeights === 'function';
}

/**
 * Converts a trained `tf.layers.dense` (or a bare kernel [in, out]) into a
 * built TTDense / TRDense holding the decomposed kernel and the same bias
 * and activation. Rank: `maxRank` and/or `tolerance`, Default: maxRank 8.
 */
export function fromDense(source: tfl.layers.Layer | tf.Tensor2D, options: FromDenseOptions = {}): TTDense | TRDense {
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
    name = `${source.name}_${options.format === 'tensor-ring' ? 'tr' : 'tt'}`;
  } else if (source instanceof tf.Tensor && source.rank === 2) {
    kernel = source;
  } else {
    throw new InvalidArgumentError('source', source, 'a built tf.layers.dense layer or a 2-D kernel tensor');
  }
  const decomposition = decompose(kernel, withDefaultRank(options));
  const args = {
    units: kernel.shape[1],
    inShape: decomposition.inShape,
    outShape: decomposition.outShape,
    ranks: decomposition.ranks,
    useBias: bias != null,
    activation,
    name,
  };
  const layer = decomposition.format === 'tensor-ring' ? new TRDense(args) : new TTDense(args);
  layer.build([null, kernel.shape[0]]);
  layer.setCores(decomposition.cores, bias);
  tf.dispose(decomposition.cores);
  return layer;
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
 * (tfjs built-in or VIB; or a bare kernel) into a TT/TR projection that a
 * VIBLSTM/VIBGRU builds with these cores as its starting weights. The gates
 * are folded into the first output factor unless `outShape` is given.
 */
export function projectionFromDense(
  source: tfl.layers.Layer | tf.Tensor2D,
  options: ProjectionFromDenseOptions = {},
): TTProjection | TRProjection {
  const kernel = isLayer(source) ? recurrentKernel(source) : source;
  if (!(kernel instanceof tf.Tensor) || kernel.rank !== 2) {
    throw new InvalidArgumentError('source', source, 'a built LSTM/GRU layer or a 2-D kernel tensor');
  }
  try {
    const gates = options.gates ?? gatesOf(source);
    const [rows, cols] = kernel.shape;
    const shapes = resolveShapes(rows, cols, options.inShape, options.outShape, options.order, gates);
    const decomposition = decompose(kernel, withDefaultRank({ ...options, ...shapes }));
    const config = { inShape: decomposition.inShape, outShape: decomposition.outShape, ranks: decomposition.ranks };
    const projection =
      decomposition.format === 'tensor-ring'
        ? new TRProjection(config, decomposition.cores)
        : new TTProjection(config, decomposition.cores);
    tf.dispose(decomposition.cores);
    return projection;
  } finally {
    if (kernel !== source) kernel.dispose();
  }
}
