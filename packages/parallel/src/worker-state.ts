/**
 * Everything one data-parallel worker keeps between requests, in one object
 * that its request handlers receive (not a public module).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LeanAdam } from '@tfjs-compress/vib';
import { splitTrainableWeights, type VibUpdate } from '@tfjs-compress/vib/internal';
import type { WorkerInit } from './protocol.js';
import { splitRange } from './split-batch.js';

export interface Entry {
  weight: tfl.LayerVariable;
  variable: tf.Variable;
  /**
   * 'gate' / 'rest': trained, by the optimizer at ibLr / lr. 'state': not
   * trainable but written by the forward pass (BatchNormalization's moving
   * statistics): averaged over the workers, weighted by their rows.
   */
  kind: 'gate' | 'rest' | 'state';
  /** Where this weight's gradient (and, after an update, its value) sits in the shared buffers this step. */
  offset: number;
  size: number;
  /** Index in model.weights, i.e. in the flag arrays (the same in every worker, as long as their gates are frozen alike). */
  flag: number;
}

/**
 * This worker's part of one weight: flat elements [from, to) of it, held in a
 * 1-D variable of its own that this worker's optimizers update. Adam is
 * elementwise, so updating the parts separately is the same arithmetic as
 * updating the whole weight at once.
 */
export interface Shard {
  from: number;
  to: number;
  /** null when this worker's part is empty (a weight smaller than the worker count). */
  variable: tf.Variable | null;
}

/** vib's update half, with the LeanAdams whose moments the worker exports and restores. */
export interface WorkerOptimizers extends VibUpdate {
  gateOptimizer: LeanAdam;
  restOptimizer: LeanAdam;
}

export class WorkerState {
  /** Every worker's gradient slot (this worker writes its own, sums everyone's over its parts). */
  readonly slots: Float32Array[];
  /** Every worker's flags: 1 where that worker has a gradient (or a written state) for a weight this step. */
  readonly flags: Uint8Array[];
  readonly mySlot: Float32Array;
  readonly myFlags: Uint8Array;
  /** The updated weights, in the layout of the slots: each worker writes its parts, all read everything. */
  readonly updated: Float32Array;
  /** By weight: model.weights changes order when gates are frozen (trainable weights first). */
  readonly shards = new Map<tfl.LayerVariable, Shard>();
  optimizers: WorkerOptimizers;
  /** The flat layout of the current step's gradient (set by 'grad', used by 'update' and the gather after it). */
  layout: Entry[] = [];
  /** Set by 'update': the weights buffer holds new values every worker still has to read. */
  gatherPending = false;
  /** The weights the last update changed. */
  toGather: Entry[] = [];

  constructor(
    readonly init: WorkerInit,
    readonly model: tfl.LayersModel,
  ) {
    this.slots = init.slots.map((b) => new Float32Array(b));
    this.flags = init.flags.map((b) => new Uint8Array(b));
    this.mySlot = this.slots[init.index];
    this.myFlags = this.flags[init.index];
    this.updated = new Float32Array(init.weights);
    this.makeShards();
    this.optimizers = this.makeOptimizers();
  }

  /** Fresh optimizers (a new training phase). */
  resetOptimizers(): void {
    this.optimizers.gateOptimizer.dispose();
    this.optimizers.restOptimizer.dispose();
    this.optimizers = this.makeOptimizers();
  }

  /** Re-reads this worker's parts from the model's weights, after something changed them in place (silencing). */
  refreshShards(): void {
    for (const [w, { from, to, variable }] of this.shards) {
      if (variable) tf.tidy(() => variable.assign(tf.slice(tf.reshape(w.read(), [-1]), from, to - from)));
    }
  }

  /** Same split and order as VIBTrainer.step: gate parameters, then the rest, then the state. */
  currentLayout(): Entry[] {
    const { gate, rest } = splitTrainableWeights(this.model);
    const trained = new Set([...gate, ...rest]);
    // Every other weight may be written by the forward pass; the flags tell which were.
    const state = this.model.weights.filter((w) => !trained.has(w));
    const flagOf = new Map(this.model.weights.map((w, i) => [w, i]));
    const entries: Entry[] = [];
    let offset = 0;
    for (const [list, kind] of [
      [gate, 'gate'],
      [rest, 'rest'],
      [state, 'state'],
    ] as const) {
      for (const weight of list) {
        const variable = weight.read() as tf.Variable;
        entries.push({ weight, variable, kind, offset, size: variable.size, flag: flagOf.get(weight)! });
        offset += variable.size;
      }
    }
    if (offset > this.mySlot.length) throw new Error(`gradient of ${offset} floats exceeds the shared slot of ${this.mySlot.length}`);
    return entries;
  }

  private makeOptimizers(): WorkerOptimizers {
    const { lr, ibLr, weightDecay } = this.init;
    return { gateOptimizer: new LeanAdam(ibLr), restOptimizer: new LeanAdam(lr), weightDecay };
  }

  /** Splits every weight into one contiguous part per worker and keeps this worker's part as a variable. */
  private makeShards(): void {
    const { index, workers } = this.init;
    this.model.weights.forEach((w, i) => {
      const variable = w.read() as tf.Variable;
      const [from, to] = splitRange(variable.size, workers)[index];
      const part =
        to > from ? tf.tidy(() => tf.variable(tf.slice(tf.reshape(variable, [-1]), from, to - from), false, `parallel_shard_${index}_${i}`)) : null;
      this.shards.set(w, { from, to, variable: part });
    });
  }
}
