import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { applyActivation, zeroingInput } from './activation.js';
import { liveScale, type FeatureState } from './feature-state.js';
import { layerError } from './layer-rules.js';
import { candidateBlock, readRecurrent, type RecurrentSource } from './recurrent-source.js';
import { foldConstants, gatherMatrix, readRows } from './weight-math.js';

/** A recurrent layer's compaction: which units must stay, which inputs it reads, and its compact weights. */
export interface RecurrentPlan {
  source: RecurrentSource;
  /** Units that cannot go (ascending). */
  kept: number[];
  /** Live input features with a non-zero kernel row and an open input gate. */
  read: number[];
  /**
   * Compact weights for inputs `state.physical` and hidden units `units`
   * (the kept ones plus any others asked for: those compute exactly their
   * constant 0, their closed gates pinned like those of kept units).
   */
  weights(state: FeatureState, units: number[]): { kernel: tf.Tensor2D; recurrent: tf.Tensor2D; bias: Float32Array; needsBias: boolean };
  /** The built-in layer (LSTM, GRU or SimpleRNN) of `units` units, weights still to set. */
  layer(units: number, useBias: boolean, name: string): tfl.layers.Layer;
}

/** True when unit k's candidate reads nothing: zero kernel column for every live input, zero recurrent column, zero folded bias. */
function candidateIsZero(src: RecurrentSource, folded: Float32Array, state: FeatureState, k: number): boolean {
  const { units: H, gates: G } = src;
  const cols = G * H;
  const c = candidateBlock(src.kind) * H + k;
  if (folded[c] !== 0) return false;
  for (const j of state.live) if (src.inputMask[j] !== 0 && src.kernel[j * cols + c] !== 0) return false;
  for (let r = 0; r < H; r++) if (src.recurrent[r * cols + c] !== 0) return false;
  return true;
}

/** Units whose output is not constantly 0 (LSTM: i, g or o closed; GRU and SimpleRNN: candidate closed; or a candidate that reads nothing). */
function keptUnits(src: RecurrentSource, folded: Float32Array, state: FeatureState): number[] {
  const actZero = applyActivation(src.activation, [0])[0] === 0;
  const m = src.gateMasks;
  const dead = (k: number) => {
    const empty = () => candidateIsZero(src, folded, state, k);
    if (src.kind === 'lstm') return m[3][k] === 0 || ((m[0][k] === 0 || m[2][k] === 0 || empty()) && actZero);
    if (src.kind === 'gru') return m[2][k] === 0 || (empty() && actZero);
    return m[0][k] === 0 || (empty() && actZero);
  };
  const kept: number[] = [];
  for (let k = 0; k < src.units; k++) if (!dead(k)) kept.push(k);
  return kept;
}

/** Pre-activation each closed gate of `units` is pinned to (a closed gate outputs exactly 0). */
function pinnedGates(src: RecurrentSource, units: number[], name: string): Map<number, number> {
  const { units: H, gates: G } = src;
  const forced = new Map<number, number>();
  for (let b = 0; b < G; b++) {
    const activation = b === candidateBlock(src.kind) ? src.activation : src.recurrentActivation;
    for (const k of units) {
      if (src.gateMasks[b][k] !== 0) continue;
      const value = zeroingInput(activation);
      if (value == null) {
        throw new InvalidArgumentError(
          'model',
          `layer '${name}' (activation '${activation}')`,
          'an activation that outputs exactly 0 for some input (needed to reproduce a closed gate of a kept unit)',
        );
      }
      forced.set(b * H + k, value);
    }
  }
  return forced;
}

/**
 * Reads a recurrent layer (any `recurrentLayoutOf` knows) for input
 * features `state` and plans its compaction. Refuses `returnState`,
 * `stateful` and, unless `allowNoUnits` (one direction of a Bidirectional,
 * whose other direction may still carry the input), a layer whose every
 * unit is pruned.
 */
export function planRecurrent(layer: tfl.layers.Layer, state: FeatureState, threshold: number | undefined, allowNoUnits = false): RecurrentPlan {
  const config = layer.getConfig();
  for (const flag of ['returnState', 'stateful'] as const) {
    if (config[flag] === true) throw layerError(layer, `recurrent layers without ${flag} (unsupported)`);
  }
  const src = readRecurrent(layer, threshold);
  const { units: H, gates: G } = src;
  const cols = G * H;
  const folded = foldConstants(src.kernel, cols, src.bias, state, src.inputMask);
  const kept = keptUnits(src, folded, state);
  if (kept.length === 0 && !allowNoUnits) throw noUnitsLeft(layer, threshold);
  pinnedGates(src, kept, layer.name); // refuses early when a kept unit's closed gate cannot be reproduced
  return {
    source: src,
    kept,
    read: readRows(src.kernel, cols, state, src.inputMask),
    weights(inputs, units) {
      const forced = pinnedGates(src, units, layer.name);
      const columns: number[] = [];
      for (let b = 0; b < G; b++) for (const k of units) columns.push(b * H + k);
      const kernel = gatherMatrix(src.kernel, cols, inputs.physical, columns, liveScale(inputs, src.inputMask));
      const recurrent = gatherMatrix(src.recurrent, cols, units, columns);
      const bias = Float32Array.from(columns, (c) => folded[c]);
      columns.forEach((c, q) => {
        const value = forced.get(c);
        if (value == null) return;
        bias[q] = value;
        for (let p = 0; p < inputs.physical.length; p++) kernel[p * columns.length + q] = 0;
        for (let p = 0; p < units.length; p++) recurrent[p * columns.length + q] = 0;
      });
      return {
        kernel: tf.tensor2d(kernel, [inputs.physical.length, columns.length]),
        recurrent: tf.tensor2d(recurrent, [units.length, columns.length]),
        bias,
        needsBias: src.useBias || bias.some((v) => v !== 0),
      };
    },
    layer(units, useBias, name) {
      const args = {
        name,
        units,
        activation: src.activation as never,
        useBias,
        returnSequences: config.returnSequences === true,
        goBackwards: config.goBackwards === true,
        dropout: (config.dropout as number) ?? 0,
        recurrentDropout: (config.recurrentDropout as number) ?? 0,
        // The weights are overwritten: skip the (slow) default orthogonal initializer.
        kernelInitializer: 'zeros' as const,
        recurrentInitializer: 'zeros' as const,
      };
      if (src.kind === 'simple') return tfl.layers.simpleRNN(args);
      const gated = { ...args, recurrentActivation: src.recurrentActivation as never };
      return src.kind === 'lstm' ? tfl.layers.lstm({ ...gated, unitForgetBias: false }) : tfl.layers.gru(gated);
    },
  };
}

/** `[kernel, recurrent, bias?]` for `setWeights`, the bias as a tensor (zeros when `useBias` but none needed). */
export function recurrentWeightList(w: ReturnType<RecurrentPlan['weights']>, useBias: boolean): tf.Tensor[] {
  return useBias ? [w.kernel, w.recurrent, tf.tensor1d(w.bias)] : [w.kernel, w.recurrent];
}

/** The error for a recurrent layer (or both directions of a Bidirectional) with no unit left. */
export function noUnitsLeft(layer: tfl.layers.Layer, threshold: number | undefined): InvalidArgumentError {
  return new InvalidArgumentError(
    'threshold',
    threshold ?? 'gate default',
    `a threshold that keeps at least one hidden unit: every unit of layer '${layer.name}' is pruned, so the model's output no longer depends on its input`,
  );
}
