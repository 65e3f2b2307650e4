import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { isGatedRecurrentLayer, type RecurrentKind, type VIBGate } from '@tfjs-compress/vib';
import { activationName } from './activation.js';
import { layerError } from './layer-rules.js';
import { RECURRENT_EXPECTED, recurrentLayoutOf } from './recurrent-layout.js';

export type { RecurrentKind };

/** Column block of the candidate (LSTM c / GRU h): the block that decides whether a unit can live. */
export const CANDIDATE_BLOCK = 2;

/** The candidate's column block for a kind of cell (a SimpleRNN has only that block). */
export function candidateBlock(kind: RecurrentKind): number {
  return kind === 'simple' ? 0 : CANDIDATE_BLOCK;
}

/**
 * A recurrent layer reduced to plain numbers: dense tfjs-layout weights and
 * the hard 0/1 factors of its VIB gates (all ones for plain layers).
 */
export interface RecurrentSource {
  kind: RecurrentKind;
  gates: number;
  units: number;
  inputs: number;
  /** [inputs, gates*units], row-major. */
  kernel: Float32Array;
  /** [units, gates*units], row-major. */
  recurrent: Float32Array;
  /** [gates*units]; zeros when the layer has no bias. */
  bias: Float32Array;
  useBias: boolean;
  inputMask: Float32Array;
  /** One [units] mask per gate block, tfjs order. */
  gateMasks: Float32Array[];
  activation: string;
  recurrentActivation: string;
  config: tf.serialization.ConfigDict;
}

function ones(n: number): Float32Array {
  return new Float32Array(n).fill(1);
}

function maskValues(gate: VIBGate | null, size: number, threshold: number | undefined): Float32Array {
  if (gate == null) return ones(size);
  return tf.tidy(() => (gate.mask(threshold).dataSync() as Float32Array).slice());
}

/** The error for weights without the shapes the layout promises ([F, G*H], [H, G*H], [G*H]); null when they fit. */
function layoutShapeError(layer: tfl.layers.Layer, tensors: tf.Tensor[], gates: number, units: number): InvalidArgumentError | null {
  const width = gates * units;
  const checks: Array<[string, (s: number[]) => boolean]> = [
    [`[F, ${width}]`, (s) => s.length === 2 && s[1] === width],
    [`[${units}, ${width}]`, (s) => s.length === 2 && s[0] === units && s[1] === width],
    [`[${width}]`, (s) => s.length === 1 && s[0] === width],
  ];
  for (const [i, [expected, fits]] of checks.entries()) {
    const shape = tensors[i]?.shape;
    // The bias may be missing (a layer without one); the kernels may not.
    if (shape == null ? i === 2 : fits(shape)) continue;
    return new InvalidArgumentError(
      `plainWeights()[${i}] of layer '${layer.name}'`,
      shape ?? null,
      `shape ${expected} (its recurrentLayout: ${gates} column blocks of ${units} units)`,
    );
  }
  return null;
}

/** Reads any recurrent layer `recurrentLayoutOf` knows. `threshold` overrides the gates' own. */
export function readRecurrent(layer: tfl.layers.Layer, threshold?: number): RecurrentSource {
  const layout = recurrentLayoutOf(layer);
  if (layout == null) throw layerError(layer, RECURRENT_EXPECTED);
  const { kind, gates, units } = layout;
  const config = layer.getConfig();
  const useBias = config.useBias !== false;
  let tensors: tf.Tensor[];
  let inputMask: Float32Array | null = null;
  let gateMasks: Float32Array[];
  if (isGatedRecurrentLayer(layer)) {
    const { input, blocks } = layer.recurrentGates();
    if (blocks.length !== gates) {
      throw new InvalidArgumentError(`recurrentGates().blocks of layer '${layer.name}'`, `${blocks.length} entries`, `${gates}, one per column block (null where a block has no gate)`);
    }
    tensors = layer.plainWeights();
    const error = layoutShapeError(layer, tensors, gates, units);
    if (error != null) {
      tf.dispose(tensors);
      throw error;
    }
    inputMask = maskValues(input, tensors[0].shape[0], threshold);
    gateMasks = blocks.map((gate) => maskValues(gate, units, threshold));
  } else {
    tensors = layer.getWeights().map((w) => w.clone());
    gateMasks = Array.from({ length: gates }, () => ones(units));
  }
  const [kernelT, recurrentT, biasT] = tensors;
  const inputs = kernelT.shape[0];
  const source: RecurrentSource = {
    kind,
    gates,
    units,
    inputs,
    kernel: (kernelT.dataSync() as Float32Array).slice(),
    recurrent: (recurrentT.dataSync() as Float32Array).slice(),
    bias: useBias && biasT != null ? (biasT.dataSync() as Float32Array).slice() : new Float32Array(gates * units),
    useBias,
    inputMask: inputMask ?? ones(inputs),
    gateMasks,
    activation: activationName(config.activation, 'tanh'),
    recurrentActivation: activationName(config.recurrentActivation, 'hardSigmoid'),
    config,
  };
  tf.dispose(tensors);
  return source;
}
