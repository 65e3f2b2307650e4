import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { RECURRENT_EXPECTED, isRecurrentLayer, recurrentLayoutOf } from './recurrent-layout.js';

/** A recurrent layer's trainable kernels as differentiable tensors (read inside a tidy). */
export interface RecurrentKernels {
  gates: number;
  units: number;
  /** [F, G*H]: the dense kernel, or a tensor projection expanded with toDense(). */
  kernel: tf.Tensor2D;
  recurrent: tf.Tensor2D;
}

interface CellLike {
  units: number;
  kernel?: tfl.LayerVariable;
  recurrentKernel?: tfl.LayerVariable | null;
  projection?: { toDense(): tf.Tensor2D };
}

/** The recurrent layers of a model, a layer or a list (anything else in a list is an error). */
export function recurrentLayersOf(target: tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[]): tfl.layers.Layer[] {
  if (Array.isArray(target)) {
    for (const layer of target) {
      if (!isRecurrentLayer(layer)) throw new InvalidArgumentError('layers', `'${layer.name}' (${layer.getClassName()})`, `recurrent layers: ${RECURRENT_EXPECTED}`);
    }
    return target;
  }
  if ('layers' in target && Array.isArray((target as tfl.LayersModel).layers)) {
    return (target as tfl.LayersModel).layers.filter(isRecurrentLayer);
  }
  return recurrentLayersOf([target as tfl.layers.Layer]);
}

/** Reads the kernels (no copy for plain layers; tensor projections are expanded). Call inside tidy. */
export function recurrentKernels(layer: tfl.layers.Layer): RecurrentKernels {
  const layout = recurrentLayoutOf(layer);
  if (layout == null) throw new InvalidArgumentError('layer', `'${layer.name}' (${layer.getClassName()})`, RECURRENT_EXPECTED);
  const cell = (layer as unknown as { cell?: CellLike }).cell;
  if (!layer.built) throw new InvalidArgumentError('layer', layer.name, 'a built layer (call the model once first)');
  if (cell?.recurrentKernel == null || (cell.projection == null && cell.kernel == null)) {
    throw new InvalidArgumentError('layer', `'${layer.name}' (${layer.getClassName()})`, 'a layer whose cell holds kernel (or projection) and recurrentKernel variables, as tfjs and vib-rnn cells do');
  }
  const { gates } = layout;
  const kernel = cell.projection ? cell.projection.toDense() : (cell.kernel!.read() as tf.Tensor2D);
  return { gates, units: cell.units, kernel, recurrent: cell.recurrentKernel.read() as tf.Tensor2D };
}

/** The kernel LayerVariables of a layer: [kernel (dense projections only), recurrent kernel, bias]. */
export function recurrentVariables(layer: tfl.layers.Layer): { kernel: tfl.LayerVariable | null; recurrent: tfl.LayerVariable; bias: tfl.LayerVariable | null } {
  const cell = (layer as unknown as {
    cell: CellLike & { bias?: tfl.LayerVariable | null; projection?: { className: string; weights: tfl.LayerVariable[] } };
  }).cell;
  const kernel = cell.projection
    ? cell.projection.className === 'dense'
      ? cell.projection.weights[0]
      : null
    : cell.kernel ?? null;
  return { kernel, recurrent: cell.recurrentKernel!, bias: cell.bias ?? null };
}

/**
 * Per hidden unit k, the ISS group's squared norm (the paper's ISS baseline):
 * the unit's column in every gate block of the kernel and the recurrent
 * kernel (PyTorch's rows of [W_ih | W_hh]) plus row k of the recurrent
 * kernel (PyTorch's column k of W_hh, the weights that read h_k).
 */
export function groupSquaredNorms(layer: tfl.layers.Layer): tf.Tensor1D {
  return tf.tidy(() => {
    const { gates, units, kernel, recurrent } = recurrentKernels(layer);
    const columns = (m: tf.Tensor2D) => tf.sum(tf.reshape(tf.square(m), [m.shape[0], gates, units]), [0, 1]);
    const rows = tf.sum(tf.square(recurrent), 1);
    return tf.addN([columns(kernel), columns(recurrent), rows]) as tf.Tensor1D;
  });
}
