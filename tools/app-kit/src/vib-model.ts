import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { gatedLayers, setFrozenMask, type HasVIBGates } from '@tfjs-compress/vib';
import type { VIBRecurrentLayer } from '@tfjs-compress/vib-rnn';

/** The model's VIB recurrent layer (VIBLSTM / VIBGRU), or null (e.g. a plain model before `insertBottlenecks`). */
export function findRecurrentLayer(model: tfl.LayersModel): VIBRecurrentLayer | null {
  const layer = gatedLayers(model).find((l) => 'prunableUnits' in l);
  return (layer as unknown as VIBRecurrentLayer | undefined) ?? null;
}

/** Kept input features and hidden units per the current masks, or null without a VIB recurrent layer. */
export function keptCounts(model: tfl.LayersModel): { inputs: number; units: number; totalInputs: number; totalUnits: number } | null {
  const layer = findRecurrentLayer(model);
  if (layer == null) return null;
  const { inputs, units } = layer.prunableUnits();
  return {
    inputs: inputs.kept.length,
    units: units.kept.length,
    totalInputs: inputs.kept.length + inputs.removed.length,
    totalUnits: units.kept.length + units.removed.length,
  };
}

/**
 * The paper's fine-tuning setting: masks frozen and every
 * gate a hard 0/1 mask, which is exactly what compaction reproduces.
 */
export function freezeMasks(model: tfl.LayersModel): void {
  setFrozenMask(model, true);
  for (const layer of gatedLayers(model)) for (const gate of layer.vibGates) gate.settings.inferenceMode = 'hard';
}

/** Restarts the seeded gate-noise streams of every gated layer. */
export function resetGateNoise(model: tfl.LayersModel): void {
  for (const layer of gatedLayers(model) as Array<HasVIBGates & { resetNoise?: () => void }>) layer.resetNoise?.();
}

/** log alpha of the input gate and of all gates of the recurrent layer (for histograms). */
export function logAlphas(model: tfl.LayersModel): { input: Float32Array | null; gates: Float32Array } {
  const layer = findRecurrentLayer(model);
  if (layer == null) return { input: null, gates: new Float32Array(0) };
  const inputGate = layer.cell.inputGate;
  const input = inputGate ? tf.tidy(() => inputGate.logAlpha().dataSync() as Float32Array) : null;
  const parts = layer.vibGates.filter((g) => g !== inputGate).map((g) => tf.tidy(() => g.logAlpha().dataSync() as Float32Array));
  const gates = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    gates.set(p, offset);
    offset += p.length;
  }
  return { input, gates };
}

/** The input gate's 0/1 mask over the input features (all ones without an input gate). */
export function inputMask(model: tfl.LayersModel): Uint8Array | null {
  const layer = findRecurrentLayer(model);
  if (layer == null) return null;
  const { inputs } = layer.prunableUnits();
  const mask = new Uint8Array(inputs.kept.length + inputs.removed.length);
  for (const j of inputs.kept) mask[j] = 1;
  return mask;
}

/** Histogram of values into `bins` equal bins between their min and max. */
export function histogram(values: ArrayLike<number>, bins = 40): { edges: number[]; counts: number[] } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  if (!Number.isFinite(min)) return { edges: [], counts: [] };
  if (max === min) max = min + 1;
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i] - min) / width))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => min + i * width), counts };
}
