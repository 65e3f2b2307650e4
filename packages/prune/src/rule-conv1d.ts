import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationName } from './activation.js';
import { deadFeatures, fullState, liveScale, sortedUnion } from './feature-state.js';
import { layerError, type LayerRule } from './layer-rules.js';
import { readWeights } from './layer-clone.js';
import { askedColumns, compactBias, foldConstants, gatherMatrix, readRows } from './weight-math.js';

/**
 * Conv1D (channels last): input channels that are pruned drop kernel rows in
 * every tap, their constants folded into the bias (with 'valid' padding,
 * where every output step sees every tap); output filters nobody reads are
 * dropped.
 */
export const conv1dRule: LayerRule = {
  analyse(node) {
    const layer = node.layer;
    const config = layer.getConfig();
    if (config.dataFormat === 'channelsFirst') throw layerError(layer, "Conv1D with dataFormat 'channelsLast' (the features on the last axis)");
    const state = node.inputs[0];
    const [kernelW, biasW] = readWeights(layer);
    const [taps, channels, filters] = kernelW.shape;
    const tap = (t: number) => kernelW.values.subarray(t * channels * filters, (t + 1) * channels * filters);
    const folding = deadFeatures(state).some((j) => state.constants[j] !== 0);
    if (folding && config.padding !== 'valid') {
      throw layerError(layer, `padding 'valid' when pruned input channels hold non-zero constants (with '${String(config.padding)}' padding the edge steps see zeros instead)`);
    }
    let folded = biasW ? biasW.values : new Float32Array(filters);
    for (let t = 0; t < taps; t++) folded = foldConstants(tap(t), filters, folded, state);
    const read = sortedUnion(...Array.from({ length: taps }, (_, t) => readRows(tap(t), filters, state)));
    return {
      out: fullState(filters),
      needs: () => [read],
      emits: askedColumns,
      build(inputs, columns) {
        const rows = inputs[0].physical;
        const { bias, useBias } = compactBias(folded, columns, config.useBias !== false);
        const compact = tfl.layers.conv1d({
          name: layer.name,
          filters: columns.length,
          kernelSize: config.kernelSize as number,
          strides: config.strides as number,
          padding: config.padding as never,
          dilationRate: config.dilationRate as number,
          activation: activationName(config.activation, 'linear') as never,
          useBias,
          kernelInitializer: 'zeros',
        });
        const kernel = new Float32Array(taps * rows.length * columns.length);
        for (let t = 0; t < taps; t++) kernel.set(gatherMatrix(tap(t), filters, rows, columns, liveScale(inputs[0])), t * rows.length * columns.length);
        const weights: tf.Tensor[] = [tf.tensor3d(kernel, [taps, rows.length, columns.length])];
        if (useBias) weights.push(tf.tensor1d(bias));
        return { layer: compact, weights };
      },
    };
  },
  count(layer, c) {
    const [taps] = layer.weights[0].shape as number[];
    const steps = typeof c.outputShape?.[1] === 'number' ? c.outputShape[1] : c.timesteps;
    const useBias = layer.getConfig().useBias !== false;
    return { kind: 'conv', flops: steps * (2 * taps * (c.inputs ?? 0) * (c.units ?? 0) + (useBias ? (c.units ?? 0) : 0)) };
  },
};
