import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, assertFiniteNumber } from '@tfjs-compress/common';
import './builtin-rules.js';
import { inputSelection, type InputSelection } from './compact-inputs.js';
import { assertGatesEvaluateHard } from './gate-mode-check.js';
import { fullState, sortedUnion, type FeatureState } from './feature-state.js';
import { lastAxis, ruleForLayer, type CompactPart, type RuleAnalysis } from './layer-rules.js';
import { pruningGraph, type GraphNode, type PruningGraph } from './pruning-graph.js';
import { compressionReport, type CompressionReport } from './report.js';
import { genericRule } from './rule-generic.js';

export interface CompactOptions {
  /**
   * log alpha threshold applied to every VIB gate (a unit is pruned when
   * log alpha >= threshold). Default: each gate's own `threshold` setting (0).
   */
  threshold?: number;
  /** Sequence length for the FLOP counts of the report. Default: the model's, else 1. */
  timesteps?: number;
  /**
   * Compact even when gates evaluate in 'weighted' or 'mean' mode: the result
   * then reproduces the hard-mask model, not the model as it evaluates.
   * Default: false (such a model is refused with what to do).
   */
  allowSoftGates?: boolean;
}

/** How one original layer was compacted. */
export interface CompactedLayer {
  name: string;
  className: string;
  /** Built-in class in the compact model, or null when the layer disappears (VIBLayer). */
  compactClassName: string | null;
  /** Features of its inputs (summed over inputs) before and after. */
  inputsBefore: number;
  inputsAfter: number;
  /** Features of its output before and after. */
  unitsBefore: number;
  unitsAfter: number;
  /** Hidden units kept (original indices), for recurrent layers (Bidirectional 'concat': forward k, backward units + k). */
  keptUnits: number[] | null;
}

export interface CompactResult extends InputSelection {
  /** Built-in layers only: loads with plain `tf.loadLayersModel`. */
  model: tfl.LayersModel;
  /**
   * Features of the (first) model input the compact model reads, ascending:
   * feed `x[..., keptInputs]`. An input read whole (token ids into an
   * Embedding) keeps every index: the compact model takes it as it is.
   */
  keptInputs: number[];
  /** Original indices of the compact model's (first) output features (all of them after a dense head). */
  outputFeatures: number[];
  /** `outputFeatures` per model output. */
  outputFeaturesPerOutput: number[][];
  layers: CompactedLayer[];
  report: CompressionReport;
}

interface Planned {
  node: GraphNode;
  analysis: RuleAnalysis;
}

/** What every tensor carries in the original model, layer by layer (each layer's rule). */
function analyse(graph: PruningGraph, threshold: number | undefined): { states: Map<number, FeatureState>; planned: Planned[] } {
  const states = new Map<number, FeatureState>();
  for (const input of graph.inputs) states.set(input.id, fullState(lastAxis(input.shape) ?? 0));
  const planned = graph.nodes.map((node) => {
    const rule = ruleForLayer(node.layer) ?? genericRule;
    const analysis = rule.analyse({
      layer: node.layer,
      inputs: node.inputs.map((id) => states.get(id)!),
      inputShapes: node.inputShapes,
      outputShape: node.outputShape,
      threshold,
    });
    states.set(node.output, analysis.out);
    return { node, analysis };
  });
  return { states, planned };
}

/**
 * Which features every tensor of the compact model carries. From the
 * outputs back, each layer asks its inputs for the features it reads; then
 * each layer emits at least what is asked of it. Couplings (Add and the
 * like need equal features on every input) ask more, so both passes repeat
 * until nothing changes.
 */
function carriedFeatures(graph: PruningGraph, states: Map<number, FeatureState>, planned: Planned[]): Map<number, number[]> {
  const asked = new Map<number, Set<number>>();
  const askedOf = (id: number) => asked.get(id) ?? asked.set(id, new Set()).get(id)!;
  for (const id of graph.outputs) for (const j of states.get(id)!.live) askedOf(id).add(j);
  const carried = new Map<number, number[]>();
  for (let round = 0; ; round++) {
    for (const input of graph.inputs) carried.set(input.id, sortedUnion(askedOf(input.id)));
    for (const { node, analysis } of planned) {
      carried.set(node.output, analysis.emits(askedOf(node.output), node.inputs.map((id) => carried.get(id)!)));
    }
    let grew = false;
    for (const { node, analysis } of [...planned].reverse()) {
      const needs = analysis.needs(askedOf(node.output), node.inputs.map((id) => carried.get(id)!));
      node.inputs.forEach((id, i) => {
        const set = askedOf(id);
        for (const j of needs[i]) {
          if (!set.has(j)) {
            set.add(j);
            grew = true;
          }
        }
      });
    }
    if (!grew) return carried;
    if (round > 4 * planned.length + 10) throw new Error('compact: the features to keep did not settle');
  }
}

function info(node: GraphNode, states: Map<number, FeatureState>, carried: Map<number, number[]>, part: CompactPart): CompactedLayer {
  const sum = (ids: number[], f: (id: number) => number) => ids.reduce((s, id) => s + f(id), 0);
  return {
    name: node.layer.name,
    className: node.layer.getClassName(),
    compactClassName: part.layer?.getClassName() ?? null,
    inputsBefore: sum(node.inputs, (id) => states.get(id)!.dim),
    inputsAfter: sum(node.inputs, (id) => carried.get(id)!.length),
    unitsBefore: states.get(node.output)!.dim,
    unitsAfter: carried.get(node.output)!.length,
    keptUnits: part.keptUnits ?? null,
  };
}

/**
 * Builds a physically smaller model of tfjs built-in layers that computes
 * what `model` computes in inference mode with hard VIB masks.
 *
 * Any tfjs-layers model: Sequential or functional (several inputs and
 * outputs, Concatenate, Add and the other merges, residual connections),
 * with Embedding, Bidirectional and TimeDistributed layers. Each layer is
 * compacted by the rule registered for its class (`registerLayerRule`);
 * a layer without one is kept as it is when nothing pruned reaches it, and
 * refused otherwise.
 *
 * Removed input features drop rows of the first kernel (or columns of an
 * embedding table), removed hidden units drop their gate columns, their
 * recurrent-kernel row and the next layer's input rows; outputs that
 * nothing reads are dropped too. Units are removed when their VIB masks say
 * so (LSTM: i, g or o closed; GRU: candidate closed) or when their
 * candidate weights are all exactly zero (group lasso, structured magnitude
 * pruning of plain layers). Closed gates of kept units are reproduced with
 * zero weights and a saturating bias; constant features (pruned units after
 * batch norm, ...) are folded into the next layer's bias. A feature coupled
 * across layers (the inputs of an Add, the two directions of a
 * Bidirectional 'sum') leaves only where it is pruned everywhere.
 *
 * A leading `FeatureSelect` (what `shrinkVIB` puts in front) is composed
 * into `keptInputs`, so a shrunk model compacts to the same model as the
 * masked one.
 */
export function compact(model: tfl.LayersModel, options: CompactOptions = {}): CompactResult {
  if (options.threshold != null) assertFiniteNumber(options.threshold, 'threshold');
  if (options.allowSoftGates !== true) assertGatesEvaluateHard(model, options.threshold);
  const graph = pruningGraph(model);
  const { states, planned } = analyse(graph, options.threshold);
  const carried = carriedFeatures(graph, states, planned);

  const symbols = new Map<number, tfl.SymbolicTensor>();
  const finals = new Map<number, FeatureState>();
  const inputs = graph.inputs.map((input) => {
    const state = states.get(input.id)!;
    const physical = carried.get(input.id)!;
    if (state.dim > 0 && physical.length === 0) {
      throw new InvalidArgumentError('threshold', options.threshold ?? 'gate default', 'a threshold that keeps at least one input feature: every input is pruned');
    }
    finals.set(input.id, { ...state, physical: state.dim > 0 ? physical : [] });
    const shape = input.shape.slice(1);
    if (state.dim > 0) shape[shape.length - 1] = physical.length;
    const symbol = tfl.input({ shape: shape as number[], dtype: input.dtype as tf.DataType, name: input.name.split('/')[0] });
    symbols.set(input.id, symbol);
    return symbol;
  });

  const built: CompactPart[] = [];
  const layers: CompactedLayer[] = [];
  try {
    for (const { node, analysis } of planned) {
      const ins = node.inputs.map((id) => finals.get(id)!);
      const emitted = carried.get(node.output)!;
      const part = analysis.build(ins, emitted);
      built.push(part);
      const inexact = new Set(analysis.inexact?.(ins, emitted) ?? []);
      finals.set(node.output, { ...states.get(node.output)!, physical: emitted, inexact });
      const from = node.inputs.map((id) => symbols.get(id)!);
      symbols.set(node.output, part.layer == null ? from[0] : (part.layer.apply(from.length === 1 ? from[0] : from) as tfl.SymbolicTensor));
      layers.push(info(node, states, carried, part));
    }
    const outputFeaturesPerOutput = graph.outputs.map((id, i) => {
      const state = finals.get(id)!;
      const ghosts = [...(state.inexact ?? [])];
      if (ghosts.length > 0) {
        throw new InvalidArgumentError(
          'model',
          `output ${i} ('${model.outputs[i].sourceLayer.name}'), features ${ghosts.join(', ')}`,
          'a model whose output has no VIB-masked recurrent units (end it with a dense head)',
        );
      }
      return [...state.physical];
    });
    const outputs = graph.outputs.map((id) => symbols.get(id)!);
    const compactModel = tfl.model({
      inputs: inputs.length === 1 ? inputs[0] : inputs,
      outputs: outputs.length === 1 ? outputs[0] : outputs,
      name: `${model.name}_compact`,
    });
    for (const { layer, weights } of built) if (layer != null && weights.length > 0) layer.setWeights(weights);
    const selection = inputSelection(graph.inputs.map((input) => finals.get(input.id)!));
    return {
      model: compactModel,
      ...selection,
      keptInputs: selection.keptInputsPerInput[0] ?? [],
      outputFeatures: outputFeaturesPerOutput[0],
      outputFeaturesPerOutput,
      layers,
      report: compressionReport(model, compactModel, { timesteps: options.timesteps }),
    };
  } catch (error) {
    for (const part of built) if (part.layer?.built) part.layer.dispose();
    throw error;
  } finally {
    for (const part of built) tf.dispose(part.weights);
  }
}
