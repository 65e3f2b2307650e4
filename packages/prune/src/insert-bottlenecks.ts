import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIB_DEFAULTS, VIBLayer, type VIBGateArgs } from '@tfjs-compress/vib';
import { InvalidArgumentError, assertOneOf } from '@tfjs-compress/common';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { cloneLayer } from './layer-clone.js';
import { pruningGraph, type PruningGraph } from './pruning-graph.js';
import { builtInRecurrentKind } from './recurrent-layout.js';

export type InputBottleneckPlacement = 'first' | 'all' | 'none';
export const INPUT_BOTTLENECK_PLACEMENTS: readonly InputBottleneckPlacement[] = ['first', 'all', 'none'];
export const DEFAULT_INPUT_BOTTLENECK: InputBottleneckPlacement = 'first';

export interface InsertBottlenecksOptions {
  /**
   * Which recurrent layers get a VIB gate on their input features: the first
   * (the paper's end-to-end and CNN-LSTM models), all, or none.
   * Default: 'first'.
   */
  inputBottleneck?: InputBottleneckPlacement;
  /** A VIBLayer after every Dense layer that feeds another Dense (prunes hidden dense units). Default: false. */
  denseBottleneck?: boolean;
  /** A VIBLayer after every Embedding (prunes embedding dimensions: a narrower table). Default: false. */
  embeddingBottleneck?: boolean;
  /**
   * Options of every new gate (klMult, klFac, threshold, inferenceMode, seed, ...).
   * `muInitializer` / `logDInitializer` default to exact identity: mu = 1, logD = -9.
   */
  gates?: VIBGateArgs;
}

/** Recurrent options copied from the built-in layer's config (initializers are moot: weights are copied). */
const RECURRENT_KEYS = [
  'units',
  'activation',
  'recurrentActivation',
  'useBias',
  'returnSequences',
  'goBackwards',
  'dropout',
  'recurrentDropout',
  'kernelRegularizer',
  'recurrentRegularizer',
  'biasRegularizer',
  'kernelConstraint',
  'recurrentConstraint',
  'biasConstraint',
] as const;

function identityGates(gates: VIBGateArgs): VIBGateArgs {
  return {
    muInitializer: 'ones',
    logDInitializer: tfl.initializers.constant({ value: VIB_DEFAULTS.gate.logDMean }),
    ...gates,
  };
}

/** The VIB class of each tfjs built-in recurrent kind that has one (SimpleRNN has none). */
const VIB_FORMS = { lstm: VIBLSTM, gru: VIBGRU } as const;

/** True for a tfjs LSTM / GRU: the layers `insertBottlenecks` replaces by their VIB form. */
function gateable(layer: tfl.layers.Layer): boolean {
  const kind = builtInRecurrentKind(layer);
  return kind != null && kind in VIB_FORMS;
}

/** The VIB form of a plain LSTM/GRU (weights still to copy). */
function vibRecurrent(layer: tfl.layers.Layer, gates: VIBGateArgs, inputBottleneck: boolean, name: string): VIBLSTM | VIBGRU {
  const className = layer.getClassName();
  const config = layer.getConfig();
  for (const flag of ['returnState', 'stateful'] as const) {
    if (config[flag] === true) {
      throw new InvalidArgumentError('model', `layer '${layer.name}' (${className}, ${flag})`, `recurrent layers without ${flag} (unsupported)`);
    }
  }
  const args: Record<string, unknown> = { name, ...gates };
  for (const key of RECURRENT_KEYS) if (config[key] != null) args[key] = config[key];
  args.inputBottleneck = inputBottleneck;
  args.gateBottleneck = true;
  const VIBForm = VIB_FORMS[builtInRecurrentKind(layer) as keyof typeof VIB_FORMS];
  return new VIBForm(args as never);
}

interface BidirectionalLike extends tfl.layers.Layer {
  forwardLayer: tfl.layers.Layer;
  backwardLayer: tfl.layers.Layer;
  layer: tfl.layers.Layer;
  mergeMode: string | null;
}

/** Dense layers another Dense reads from downstream (the last one of every path gets no bottleneck). */
function innerDenseLayers(graph: PruningGraph): Set<tfl.layers.Layer> {
  const readers = new Map<number, tfl.layers.Layer[]>();
  for (const node of graph.nodes) for (const id of node.inputs) readers.set(id, [...(readers.get(id) ?? []), node.layer]);
  const feedsDense = new Set<tfl.layers.Layer>();
  for (const node of [...graph.nodes].reverse()) {
    const next = readers.get(node.output) ?? [];
    if (next.some((l) => l.getClassName() === 'Dense' || feedsDense.has(l))) feedsDense.add(node.layer);
  }
  return new Set([...feedsDense].filter((l) => l.getClassName() === 'Dense'));
}

/**
 * The paper's recommended route: from a trained plain model (Sequential or
 * functional, with `tf.layers.lstm` / `tf.layers.gru`, inside
 * `tf.layers.bidirectional` too), the same model with `VIBLSTM` / `VIBGRU`
 * (gates on every gate and, per `inputBottleneck`, on the inputs), all
 * weights copied and every gate at identity (mu = 1, log alpha = -9: mask
 * 1), so it predicts exactly what the input model predicts until VIB
 * fine-tuning starts pruning. Other layers are copied as they are.
 */
export function insertBottlenecks(model: tfl.LayersModel, options: InsertBottlenecksOptions = {}): tfl.LayersModel {
  const placement = options.inputBottleneck ?? DEFAULT_INPUT_BOTTLENECK;
  assertOneOf(placement, INPUT_BOTTLENECK_PLACEMENTS, 'inputBottleneck');
  const gates = identityGates(options.gates ?? {});
  const graph = pruningGraph(model);
  const gatedDense = options.denseBottleneck ? innerDenseLayers(graph) : new Set<tfl.layers.Layer>();
  const symbols = new Map<number, tfl.SymbolicTensor>();
  const inputs = graph.inputs.map((input) => {
    const symbol = tfl.input({ shape: input.shape.slice(1) as number[], dtype: input.dtype as tf.DataType, name: input.name.split('/')[0] });
    symbols.set(input.id, symbol);
    return symbol;
  });
  const copies: Array<() => void> = [];
  let recurrentSeen = 0;
  const inputBottleneck = () => placement === 'all' || (placement === 'first' && recurrentSeen++ === 0);
  for (const node of graph.nodes) {
    const { layer } = node;
    const className = layer.getClassName();
    const from = node.inputs.map((id) => symbols.get(id)!);
    const x = from.length === 1 ? from[0] : from;
    let y: tfl.SymbolicTensor;
    const inner = className === 'Bidirectional' ? (layer as BidirectionalLike) : null;
    if (gateable(layer)) {
      const vib = vibRecurrent(layer, gates, inputBottleneck(), layer.name);
      y = vib.apply(x) as tfl.SymbolicTensor;
      copies.push(() => vib.setPlainWeights(layer.getWeights()));
    } else if (inner != null && gateable(inner.forwardLayer)) {
      const template = vibRecurrent(inner.forwardLayer, gates, inputBottleneck(), inner.layer.name);
      const bi = tfl.layers.bidirectional({ layer: template as never, mergeMode: inner.mergeMode as never, name: layer.name }) as unknown as BidirectionalLike;
      y = bi.apply(x) as tfl.SymbolicTensor;
      copies.push(() => {
        (bi.forwardLayer as VIBLSTM).setPlainWeights(inner.forwardLayer.getWeights());
        (bi.backwardLayer as VIBLSTM).setPlainWeights(inner.backwardLayer.getWeights());
      });
    } else {
      const copy = cloneLayer(layer);
      y = copy.apply(x) as tfl.SymbolicTensor;
      copies.push(() => copy.setWeights(layer.getWeights()));
    }
    const gated = gatedDense.has(layer) || (className === 'Embedding' && options.embeddingBottleneck === true);
    if (gated) y = new VIBLayer({ name: `${layer.name}_vib`, ...gates }).apply(y) as tfl.SymbolicTensor;
    symbols.set(node.output, y);
  }
  const outputs = graph.outputs.map((id) => symbols.get(id)!);
  const result = tfl.model({
    inputs: inputs.length === 1 ? inputs[0] : inputs,
    outputs: outputs.length === 1 ? outputs[0] : outputs,
    name: `${model.name}_vib`,
  });
  tf.tidy(() => copies.forEach((copy) => copy()));
  return result;
}
