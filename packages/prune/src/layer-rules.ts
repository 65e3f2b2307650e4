import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { FeatureState } from './feature-state.js';

/** A tensor shape with its batch axis (null: any size). */
export type Shape = (number | null)[];

/** One layer of the model as a rule sees it while `compact` analyses the graph. */
export interface RuleNode {
  layer: tfl.layers.Layer;
  /**
   * What each input carries in the original model, along its last axis:
   * which features are live and the constant every other one equals.
   * `physical` lists every live feature here.
   */
  inputs: FeatureState[];
  /** Input shapes, batch axis included. */
  inputShapes: Shape[];
  /** Output shape, batch axis included. */
  outputShape: Shape;
  /** log alpha threshold for VIB gates (undefined: each gate's own). */
  threshold: number | undefined;
}

/** The compact replacement of one layer. */
export interface CompactPart {
  /** A layer of a class `tf.loadLayersModel` knows; null when the layer disappears (its first input passes through). */
  layer: tfl.layers.Layer | null;
  /** Its weights in `setWeights` order; `compact` disposes them. */
  weights: tf.Tensor[];
  /** Hidden units kept (original indices), for recurrent layers. */
  keptUnits?: number[] | null;
}

/**
 * What a rule says about one layer. Feature indices are always the original
 * model's along the last axis. `compact` first asks every layer, from the
 * outputs back, which input features it `needs` for the output features
 * asked of it, then which features it `emits` (what its compact layer
 * outputs), until both settle; then it `build`s each compact layer.
 */
export interface RuleAnalysis {
  /** The output's live features and the constants of the others (`physical`: every live feature). */
  out: FeatureState;
  /**
   * Per input, the features its compact input must carry, given the output
   * features asked of this layer and the features each input carries at
   * the moment. A feature asked for must be produced with its original
   * value, dead (constant) ones included.
   */
  needs(asked: ReadonlySet<number>, inputs: readonly number[][]): Iterable<number>[];
  /** Ascending output features the compact layer produces: at least those asked for. */
  emits(asked: ReadonlySet<number>, inputs: readonly number[][]): number[];
  /** Emitted features whose compact values will differ from the original's (default: none). */
  inexact?(inputs: FeatureState[], emitted: number[]): Iterable<number>;
  /** The compact layer reading `inputs[i].physical` and producing `emitted`. */
  build(inputs: FeatureState[], emitted: number[]): CompactPart;
}

export type RuleLayerKind = 'lstm' | 'gru' | 'rnn' | 'dense' | 'conv' | 'embedding' | 'gate' | 'other';

/** What the report knows of a layer before its rule refines it. */
export interface CountContext {
  /** Input shape (first input), batch axis included; null when unknown. */
  inputShape: Shape | null;
  outputShape: Shape | null;
  /** Sequence length used for per-sequence FLOPs. */
  timesteps: number;
  /** Rows a per-feature layer processes per sequence (`timesteps` times the inner axes for 3-D inputs, else 1). */
  rows: number;
  /** Last axis of input and output, when known. */
  inputs: number | null;
  units: number | null;
  /** Inference weights (VIB gate parameters excluded) and their total size. */
  weightShapes: number[][];
  params: number;
}

/** A rule's refinement of a layer's report row; anything left out keeps the default (weights counted, 0 FLOPs). */
export interface LayerCounts {
  kind?: RuleLayerKind;
  units?: number | null;
  params?: number;
  /** Recurrent layers with two biases per gate row (PyTorch's convention). */
  paperParams?: number;
  flops?: number;
  weightShapes?: number[][];
}

/** How `compact`, `insertBottlenecks` and the reports treat one layer class. */
export interface LayerRule {
  analyse(node: RuleNode): RuleAnalysis;
  /** Parameter and FLOP counts for `summarizeModel` / `compressionReport`. */
  count?(layer: tfl.layers.Layer, context: CountContext): LayerCounts;
}

const RULES = new Map<string, LayerRule>();

/**
 * Registers (or replaces) the rule for a layer class, by the class name its
 * `getClassName()` returns; it takes precedence over a contract rule. A
 * layer without a rule passes through `compact` unchanged when every one of
 * its input features is live, and is refused otherwise.
 */
export function registerLayerRule(className: string, rule: LayerRule): void {
  if (typeof className !== 'string' || className.length === 0) throw new InvalidArgumentError('className', className, 'a layer class name');
  if (rule == null || typeof rule.analyse !== 'function') throw new InvalidArgumentError('rule', rule, 'an object with analyse(node)');
  RULES.set(className, rule);
}

/** The rule registered for a class name, if any. */
export function layerRule(className: string): LayerRule | undefined {
  return RULES.get(className);
}

/**
 * Rules for layers recognised by what they declare (a duck-typed contract,
 * such as vib's `GatedRecurrentLayer`) rather than by class name: a layer
 * class from another package is handled without prune naming it.
 */
const CONTRACT_RULES: Array<{ accepts(layer: tfl.layers.Layer): boolean; rule: LayerRule }> = [];

/** Registers a rule for every layer `accepts` recognises, consulted when the layer's class has no rule of its own. */
export function registerContractRule(accepts: (layer: tfl.layers.Layer) => boolean, rule: LayerRule): void {
  if (typeof accepts !== 'function') throw new InvalidArgumentError('accepts', accepts, 'a function (layer) => boolean');
  if (rule == null || typeof rule.analyse !== 'function') throw new InvalidArgumentError('rule', rule, 'an object with analyse(node)');
  CONTRACT_RULES.push({ accepts, rule });
}

/** The rule for a layer: its class's (`registerLayerRule`), else the first contract rule that accepts it. */
export function ruleForLayer(layer: tfl.layers.Layer): LayerRule | undefined {
  return RULES.get(layer.getClassName()) ?? CONTRACT_RULES.find((entry) => entry.accepts(layer))?.rule;
}

/** Class names with a rule, sorted. */
export function registeredLayerRules(): string[] {
  return [...RULES.keys()].sort();
}

/** The error for a layer compact cannot handle: names the layer, its class and why. */
export function layerError(layer: tfl.layers.Layer, why: string): InvalidArgumentError {
  return new InvalidArgumentError('model', `layer '${layer.name}' (${layer.getClassName()})`, why);
}

/** The last axis of a shape (null when unknown or rank 0). */
export function lastAxis(shape: Shape | null | undefined): number | null {
  if (shape == null || shape.length === 0) return null;
  return shape[shape.length - 1];
}

/** True when `axis` (a layer's config value) is the last axis of a tensor of this rank. */
export function isLastAxis(axis: unknown, rank: number): boolean {
  const value = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  return value == null || value === -1 || value === rank - 1;
}
