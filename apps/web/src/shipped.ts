/**
 * The files the Node build step (`scripts/build-model.ts`) writes into the
 * public dir, and that the page loads: shared by both sides, browser-safe.
 */

/** Where the compact model ships, relative to the page: `model.json`, `weights.bin`, `compression.json`. */
export const SHIPPED_DIR = 'model';
export const SEQUENCES_FILE = 'test-sequences.json';
/** The same compact model with uint8 weights (prune's `quantize`), under the shipped dir. */
export const UINT8_DIR = 'uint8';

/** `test-sequences.json`: sequences the Node build classified with the shipped model. */
export interface ShippedSequences {
  /** Seed of the demo's task generator that made these sequences (not seen in training). */
  seed: number;
  steps: number;
  features: number;
  classes: number;
  /** The input features the compact model reads: feed `x[..., keptInputs]`. */
  keptInputs: number[];
  /** The features that carry the label in the generated task. */
  informative: number[];
  /** Full sequences, [n][steps][features] (float32 values). */
  sequences: number[][][];
  labels: number[];
  /** Class probabilities the compact model gave in Node (wasm backend), [n][classes]. */
  nodeProbabilities: number[][];
  /** The same, from the uint8 copy (dequantized by tfjs on load). */
  nodeUint8Probabilities: number[][];
  nodeBackend: string;
  /** The Node run that trained the shipped model. */
  training: { samples: number; epochs: number; units: number; seed: number; testAccuracy: number };
}
