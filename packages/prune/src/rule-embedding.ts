import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fullState, range } from './feature-state.js';
import type { LayerRule } from './layer-rules.js';
import { readWeights } from './layer-clone.js';
import { askedColumns, gatherMatrix } from './weight-math.js';

/**
 * Embedding: reads its token ids whole; output columns (embedding
 * dimensions) nobody reads leave the table, so a pruned input feature of
 * the next layer makes the table narrower. Lookups count 0 FLOPs.
 */
export const embeddingRule: LayerRule = {
  analyse(node) {
    const [table] = readWeights(node.layer);
    const [vocabulary, width] = table.shape;
    const config = node.layer.getConfig();
    return {
      out: fullState(width),
      needs: () => [range(node.inputs[0].dim)],
      emits: askedColumns,
      build(_inputs, columns) {
        const layer = tfl.layers.embedding({
          name: node.layer.name,
          inputDim: vocabulary,
          outputDim: columns.length,
          maskZero: config.maskZero === true,
          ...(config.inputLength != null ? { inputLength: config.inputLength as number } : {}),
          embeddingsInitializer: 'zeros',
        });
        return { layer, weights: [tf.tensor2d(gatherMatrix(table.values, width, range(vocabulary), columns), [vocabulary, columns.length])] };
      },
    };
  },
  count: () => ({ kind: 'embedding', flops: 0 }),
};
