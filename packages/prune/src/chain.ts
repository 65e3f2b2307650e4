import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';

type AnyLayer = tfl.layers.Layer;
interface NodeLike {
  inboundLayers: AnyLayer[];
}

/** Layers that wrap others or fork the graph; named in the "unsupported" error. */
const UNSUPPORTED_CLASSES = new Set(['Bidirectional', 'TimeDistributed', 'Sequential', 'Model', 'Functional']);

/**
 * The layers of a linear-chain model (Sequential, or functional with one
 * input, one output and no branches), input layer excluded, in order.
 * Anything else throws an `InvalidArgumentError` naming the offending layer.
 */
export function linearChain(model: tfl.LayersModel): AnyLayer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new InvalidArgumentError(
      'model',
      `${model.inputs.length} inputs / ${model.outputs.length} outputs`,
      'a linear-chain model with one input and one output (unsupported)',
    );
  }
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  let previous: AnyLayer | null = null;
  for (const layer of layers) {
    const className = layer.getClassName();
    if (UNSUPPORTED_CLASSES.has(className) || 'layers' in layer) {
      throw new InvalidArgumentError(
        'model',
        `layer '${layer.name}' (${className})`,
        'a linear chain of plain layers: wrappers, nested models and bidirectional layers are unsupported',
      );
    }
    const inbound = (layer as unknown as { inboundNodes: NodeLike[] }).inboundNodes;
    const outbound = (layer as unknown as { outboundNodes: unknown[] }).outboundNodes;
    const sources = inbound.length === 1 ? inbound[0].inboundLayers : [];
    const fromPrevious =
      sources.length === 1 && (previous == null ? sources[0].getClassName() === 'InputLayer' : sources[0] === previous);
    if (inbound.length !== 1 || !fromPrevious || outbound.length > 1) {
      throw new InvalidArgumentError(
        'model',
        `layer '${layer.name}' (${className})`,
        'a linear chain: this layer is shared, has several inputs or feeds several layers (unsupported)',
      );
    }
    previous = layer;
  }
  return layers;
}

/** The model's single input shape without the batch axis, e.g. `[T, F]`. */
export function inputShapeOf(model: tfl.LayersModel): (number | null)[] {
  return model.inputs[0].shape.slice(1);
}
