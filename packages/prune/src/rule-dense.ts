import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationName } from './activation.js';
import { denseFlopsPerRow } from './counting.js';
import { fullState, liveScale } from './feature-state.js';
import type { LayerRule } from './layer-rules.js';
import { readWeights } from './layer-clone.js';
import { askedColumns, compactBias, foldConstants, gatherMatrix, readRows } from './weight-math.js';

/**
 * Dense: input features that are pruned (or read with zero rows) drop kernel
 * rows, their constants folded into the bias; output columns nobody reads
 * are dropped.
 */
export const denseRule: LayerRule = {
  analyse(node) {
    const state = node.inputs[0];
    const [kernelW, biasW] = readWeights(node.layer);
    const units = kernelW.shape[1];
    const config = node.layer.getConfig();
    const folded = foldConstants(kernelW.values, units, biasW ? biasW.values : new Float32Array(units), state);
    return {
      out: fullState(units),
      needs: () => [readRows(kernelW.values, units, state)],
      emits: askedColumns,
      build(inputs, columns) {
        const rows = inputs[0].physical;
        const { bias, useBias } = compactBias(folded, columns, config.useBias !== false);
        const layer = tfl.layers.dense({
          name: node.layer.name,
          units: columns.length,
          activation: activationName(config.activation, 'linear') as never,
          useBias,
          kernelInitializer: 'zeros',
        });
        const kernel = gatherMatrix(kernelW.values, units, rows, columns, liveScale(inputs[0]));
        const weights: tf.Tensor[] = [tf.tensor2d(kernel, [rows.length, columns.length])];
        if (useBias) weights.push(tf.tensor1d(bias));
        return { layer, weights };
      },
    };
  },
  count: (layer, c) => ({ kind: 'dense', flops: c.rows * denseFlopsPerRow(c.inputs ?? 0, c.units ?? 0, layer.getConfig().useBias !== false) }),
};
