import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { layerError, type Shape } from './layer-rules.js';

/** A model input: a tensor id with its shape (batch axis included), dtype and name. */
export interface GraphInput {
  id: number;
  shape: Shape;
  dtype: string;
  name: string;
}

/** One application of a layer: the tensors it reads and the one it writes. */
export interface GraphNode {
  layer: tfl.layers.Layer;
  inputs: number[];
  output: number;
  inputShapes: Shape[];
  outputShape: Shape;
}

/** A model as a graph of layers over tensors (by `SymbolicTensor.id`), nodes in topological order. */
export interface PruningGraph {
  inputs: GraphInput[];
  outputs: number[];
  nodes: GraphNode[];
}

interface NodeLike {
  inputTensors: tfl.SymbolicTensor[];
  outputTensors: tfl.SymbolicTensor[];
}

/** The node through which `layer` takes part in `model` (a layer applied several times is refused). */
function nodeOf(model: tfl.LayersModel, layer: tfl.layers.Layer): NodeLike {
  const nodes = (layer as unknown as { inboundNodes: NodeLike[] }).inboundNodes;
  const containerNodes = (model as unknown as { containerNodes?: Set<string> }).containerNodes;
  const inModel = nodes.filter((_, i) => nodes.length === 1 || containerNodes == null || containerNodes.has(`${layer.name}_ib-${i}`));
  if (inModel.length !== 1) {
    throw layerError(layer, `a layer applied once in the model (it is applied ${inModel.length} times: shared layers are unsupported)`);
  }
  return inModel[0];
}

/**
 * The layers of a tfjs-layers model (Sequential or functional: several
 * inputs and outputs, branches, merges) as a graph over tensors, in
 * topological order, input layers left out. Nested models and layers with
 * several outputs (`returnState`) are refused with an error naming them.
 */
export function pruningGraph(model: tfl.LayersModel): PruningGraph {
  const inputs = model.inputs.map((t) => ({ id: t.id, shape: [...t.shape], dtype: t.dtype, name: t.name }));
  const pending: GraphNode[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if ('layers' in layer) throw layerError(layer, 'a model of layers: nested models are unsupported (build the outer model from their layers)');
    const node = nodeOf(model, layer);
    if (node.outputTensors.length !== 1) throw layerError(layer, `a layer with one output (it has ${node.outputTensors.length}, e.g. returnState)`);
    const output = node.outputTensors[0];
    pending.push({
      layer,
      inputs: node.inputTensors.map((t) => t.id),
      output: output.id,
      inputShapes: node.inputTensors.map((t) => [...t.shape]),
      outputShape: [...output.shape],
    });
  }
  // Kahn's order: a node once every tensor it reads exists (model.layers is usually in this order already).
  const known = new Set(inputs.map((t) => t.id));
  const nodes: GraphNode[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((n) => n.inputs.every((id) => known.has(id)));
    if (index < 0) {
      throw new InvalidArgumentError('model', `layer '${pending[0].layer.name}'`, 'a model whose layers read only the model inputs and other layers of the model');
    }
    const [node] = pending.splice(index, 1);
    nodes.push(node);
    known.add(node.output);
  }
  const outputs = model.outputs.map((t) => t.id);
  return { inputs, outputs, nodes };
}

/** Node index per tensor id it writes. */
export function producers(graph: PruningGraph): Map<number, GraphNode> {
  return new Map(graph.nodes.map((n) => [n.output, n]));
}
