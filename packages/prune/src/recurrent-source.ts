import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { VIBGate } from '@tfjs-compress/vib';
import { activationName } from './activation.js';
import { GRU_GATES, LSTM_GATE_COUNT } from './counting.js';

/** Gate keys of `cell.gates`, in tfjs column order. */
export const LSTM_GATE_KEYS = ['i', 'f', 'g', 'o'] as const;
export const GRU_GATE_KEYS = ['z', 'r', 'h'] as const;
/** Column block of the candidate (LSTM g / GRU h): the block that decides whether a unit can live. */
export const CANDIDATE_BLOCK = 2;

/** The candidate's column block for a kind of cell (a SimpleRNN has only that block). */
export function candidateBlock(kind: RecurrentKind): number {
  return kind === 'simple' ? 0 : CANDIDATE_BLOCK;
}

export type RecurrentKind = 'lstm' | 'gru' | 'simple';

/** The parts of `VIBLSTM` / `VIBGRU` this package reads (duck-typed: no runtime import needed). */
export interface VIBRecurrentLike extends tfl.layers.Layer {
  cell: {
    units: number;
    inputDim: number;
    gateCount: number;
    inputGate: VIBGate | null;
    gates: Record<string, VIBGate | null>;
  };
  plainWeights(): tf.Tensor[];
}

const VIB_RECURRENT = new Set(['VIBLSTM', 'VIBGRU']);
const PLAIN_RECURRENT = new Set(['LSTM', 'GRU', 'SimpleRNN']);

export function isRecurrentClass(className: string): boolean {
  return VIB_RECURRENT.has(className) || PLAIN_RECURRENT.has(className);
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

/** Reads a plain LSTM/GRU/SimpleRNN or a VIBLSTM/VIBGRU. `threshold` overrides the gates' own. */
export function readRecurrent(layer: tfl.layers.Layer, threshold?: number): RecurrentSource {
  const className = layer.getClassName();
  const config = layer.getConfig();
  const kind: RecurrentKind = className.endsWith('LSTM') ? 'lstm' : className === 'SimpleRNN' ? 'simple' : 'gru';
  const gates = kind === 'lstm' ? LSTM_GATE_COUNT : kind === 'gru' ? GRU_GATES : 1;
  const useBias = config.useBias !== false;
  let tensors: tf.Tensor[];
  let inputMask: Float32Array | null = null;
  let gateMasks: Float32Array[];
  let units: number;
  if (VIB_RECURRENT.has(className)) {
    const vib = layer as VIBRecurrentLike;
    units = vib.cell.units;
    tensors = vib.plainWeights();
    const inputs = tensors[0].shape[0];
    inputMask = maskValues(vib.cell.inputGate, inputs, threshold);
    const keys = kind === 'lstm' ? LSTM_GATE_KEYS : GRU_GATE_KEYS;
    gateMasks = keys.map((key) => maskValues(vib.cell.gates?.[key] ?? null, units, threshold));
  } else {
    units = config.units as number;
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
