/**
 * Messages between DataParallelTrainer (main thread) and its workers. Internal:
 * the public surface is DataParallelTrainer.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '@tfjs-compress/runtime';
import type { SilencePlan } from '@tfjs-compress/vib';

/** A tensor's contents as they cross threads. */
export interface WireTensor {
  data: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: tf.DataType;
}

/** A tensor under a stable name: a weight's `originalName`, or `<originalName>/m` for a moment. */
export interface NamedWireTensor extends WireTensor {
  name: string;
}

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  index: number;
  workers: number;
  imports: string[];
  backend: BackendChoice;
  lr: number;
  ibLr: number;
  weightDecay: number;
  /** The model as `model.save` writes it, topology already reseeded for this worker. */
  modelTopology: unknown;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  frozen: boolean;
  /** One gradient slot per worker, as many float32 as the model has weights; slot 0 also receives the sum. */
  slots: SharedArrayBuffer[];
  /** The updated weights, same layout: each worker writes its parts, all read everything (at their next request). */
  weights: SharedArrayBuffer;
  /** One byte per model weight per worker: 1 when that worker has a gradient for it. */
  flags: SharedArrayBuffer[];
}

export type Request =
  | { type: 'grad'; x: WireTensor; y: WireTensor; weight: number }
  | { type: 'update' }
  | { type: 'setKlFac'; klFac: number }
  | { type: 'setFrozenMask'; frozen: boolean }
  | { type: 'setLearningRateScale'; scale: number }
  | { type: 'silence'; plan: Record<string, SilencePlan> }
  | { type: 'resetNoise' }
  | { type: 'setDropoutSeed'; seed: number }
  | { type: 'resetOptimizers' }
  | { type: 'getWeights' }
  | { type: 'cpuTime' }
  | { type: 'numTensors' }
  | { type: 'getOptimizers' }
  | { type: 'setOptimizers'; gate: NamedWireTensor[]; rest: NamedWireTensor[] };

export interface GradResult {
  /** Mean task loss over this worker's rows (0 for an empty slice). */
  task: number;
  /** The model's own losses (KL terms, regularisers), or null for an empty slice. */
  extra: number | null;
  correct: number;
  /** Floats of the flat gradient used this step. */
  length: number;
  /** Milliseconds in this worker: forward + backward, copying the gradient into shared memory, and reading the last update's weights first. */
  ms: { compute: number; readOut: number; shareIn: number };
}

export interface UpdateResult {
  /** Milliseconds in this worker: summing its parts of the gradients, the optimizer updates, writing its parts of the weights. */
  ms: { reduce: number; update: number; shareOut: number };
}

/** One worker's part of an optimizer moment: elements [from, from + data.length) of the flattened weight. */
export interface OptimizerPart extends NamedWireTensor {
  from: number;
  fullShape: number[];
}

export type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { id: -1; ok: true; result: 'ready' }
  | { id: -1; ok: false; error: string };
