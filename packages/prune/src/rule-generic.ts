import { deadFeatures, fullState, range } from './feature-state.js';
import { lastAxis, layerError, type LayerRule } from './layer-rules.js';
import { cloneLayer } from './layer-clone.js';

/**
 * A layer without a rule: kept as it is, weights copied, which is exact
 * only when every feature of its inputs is live (nothing upstream was
 * pruned into it). Otherwise refused, naming the layer and its class.
 */
export const genericRule: LayerRule = {
  analyse(node) {
    node.inputs.forEach((state) => {
      const dead = deadFeatures(state);
      if (dead.length === 0) return;
      const shown = dead.length > 6 ? `${dead.slice(0, 6).join(', ')}, ...` : dead.join(', ');
      throw layerError(
        node.layer,
        `a layer with a pruning rule (registerLayerRule) when its input features are pruned: features ${shown} of its input are ` +
          `pruned upstream, and without a rule compact cannot tell how this layer reads them`,
      );
    });
    return {
      out: fullState(lastAxis(node.outputShape) ?? 0),
      needs: () => node.inputs.map((state) => range(state.dim)),
      emits: () => range(lastAxis(node.outputShape) ?? 0),
      build: () => ({ layer: cloneLayer(node.layer), weights: node.layer.getWeights().map((w) => w.clone()) }),
    };
  },
};
