/**
 * A worker's share of one training step: vib's two halves of VIBTrainer's
 * step (`vibLossAndGrads`, `applyVibUpdate`) with the exchange through shared
 * memory between them. Not a public module.
 */
import * as tf from '@tensorflow/tfjs-core';
import { rawStorage } from '@tfjs-compress/runtime';
import { categoricalCrossentropy } from '@tfjs-compress/vib';
import { applyVibUpdate, vibLossAndGrads } from '@tfjs-compress/vib/internal';
import type { GradResult, UpdateResult, WireTensor } from './protocol.js';
import { toTensor } from './wire.js';
import type { Entry, WorkerState } from './worker-state.js';

// cpu's tensor() keeps the array it is given: copy out of shared memory there.
const copyOut = (view: Float32Array) => (tf.getBackend() === 'wasm' ? view : view.slice());

/**
 * Copies a tensor into shared memory. `dataSync` on wasm allocates a fresh
 * copy of the tensor first (for the 59M-parameter kernel, 236 MB and its page
 * faults every step); wasm's heap view makes it one memcpy.
 */
function copyInto(target: Float32Array, offset: number, tensor: tf.Tensor): void {
  const storage = tensor.dtype === 'float32' ? rawStorage() : null;
  // Taken right before the copy: a view dies when the heap grows.
  if (storage) target.set(storage.view(tensor), offset);
  else target.set(tensor.dataSync() as Float32Array, offset);
}

/**
 * Gradients of weight * (task loss on this slice + the model's own losses),
 * written flat into this worker's shared slot. With weight = rows / batch,
 * the sum over workers is the gradient of the full-batch loss VIBTrainer
 * minimises (the model's losses count once: the weights sum to 1).
 */
export function grad(state: WorkerState, x: WireTensor, y: WireTensor, weight: number, shareIn: number): GradResult {
  const { model, mySlot, myFlags } = state;
  const layout = (state.layout = state.currentLayout());
  const length = layout.length ? layout[layout.length - 1].offset + layout[layout.length - 1].size : 0;
  myFlags.fill(0);
  if (x.shape[0] === 0) {
    mySlot.fill(0, 0, length);
    return { task: 0, extra: null, correct: 0, length, ms: { compute: 0, readOut: 0, shareIn } };
  }
  const started = performance.now();
  const variables = layout.filter((e) => e.kind !== 'state').map((e) => e.variable);
  const stateEntries = layout.filter((e) => e.kind === 'state');
  // A layer's write() swaps its variable's data: how a written weight shows.
  const stateBefore = stateEntries.map((e) => e.variable.dataId);
  const xs = toTensor(x);
  const ys = toTensor(y);
  try {
    let hits!: tf.Scalar;
    const taskLoss = () => {
      const probabilities = model.apply(xs, { training: true }) as tf.Tensor;
      const task = categoricalCrossentropy(ys, probabilities);
      const labels = ys.rank === 1 ? tf.cast(ys, 'int32') : tf.argMax(ys, -1);
      hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, -1), labels), 'int32'))) as tf.Scalar;
      return task;
    };
    const { total, task, grads } = vibLossAndGrads(model, taskLoss, variables, { weight });
    const extra = tf.sub(total, task);
    const computed = performance.now();
    stateEntries.forEach((entry, i) => {
      if (entry.variable.dataId === stateBefore[i]) return;
      const weighted = tf.tidy(() => tf.mul(entry.variable, weight));
      copyInto(mySlot, entry.offset, weighted);
      weighted.dispose();
      myFlags[entry.flag] = 1;
    });
    for (const entry of layout) {
      if (entry.kind === 'state') continue;
      const g = grads[entry.variable.name];
      if (g == null) mySlot.fill(0, entry.offset, entry.offset + entry.size);
      else {
        copyInto(mySlot, entry.offset, g);
        myFlags[entry.flag] = 1;
      }
    }
    const result: GradResult = {
      task: task.dataSync()[0],
      extra: extra.dataSync()[0],
      correct: hits.dataSync()[0],
      length,
      ms: { compute: computed - started, readOut: performance.now() - computed, shareIn },
    };
    tf.dispose([grads, total, task, extra, hits]);
    return result;
  } finally {
    tf.dispose([xs, ys]);
  }
}

const anyFlag = (state: WorkerState, entry: Entry) => state.flags.some((f) => f[entry.flag] === 1);

/**
 * Sums the workers' gradients over this worker's part of every weight
 * (the parts of all workers are disjoint: a reduce-scatter), then hands those
 * parts to `applyVibUpdate`, as VIBTrainer.step hands it whole weights, and
 * writes them to the shared weights buffer. Each worker runs 1/N of the
 * optimizer's work.
 */
export function update(state: WorkerState): UpdateResult {
  const { shards, slots, layout } = state;
  const started = performance.now();
  const gateGrads: tf.NamedTensorMap = {};
  const restGrads: tf.NamedTensorMap = {};
  const trained: tf.Variable[] = [];
  let gateGroup = false;
  let restGroup = false;
  for (const entry of layout) {
    if (!anyFlag(state, entry)) continue;
    if (entry.kind === 'gate') gateGroup = true;
    if (entry.kind === 'rest') restGroup = true;
    const { from, to, variable } = shards.get(entry.weight)!;
    if (variable == null) continue;
    const start = entry.offset + from;
    const end = entry.offset + to;
    // Summed on the backend (SIMD on wasm), in worker order: about 3x faster than a JS loop.
    const g = tf.tidy(() =>
      slots.map((slot) => tf.tensor(copyOut(slot.subarray(start, end)), [to - from])).reduce((sum, part) => tf.add(sum, part)),
    );
    if (entry.kind === 'state') {
      // The rows-weighted mean of what the workers' forward passes wrote: no optimizer.
      variable.assign(g);
      g.dispose();
    } else {
      (entry.kind === 'gate' ? gateGrads : restGrads)[variable.name] = g;
      trained.push(variable);
    }
  }
  const reduced = performance.now();
  // Every worker steps both optimizers whenever VIBTrainer would, even with
  // nothing of its own to update (an empty map), so that their bias corrections agree.
  applyVibUpdate(state.optimizers, gateGroup ? gateGrads : null, restGroup ? restGrads : null, trained);
  const stepped = performance.now();
  for (const entry of layout) {
    const { from, variable } = shards.get(entry.weight)!;
    if (variable != null && anyFlag(state, entry)) copyInto(state.updated, entry.offset + from, variable);
  }
  // Fixed now: by the time of the gather, other workers may already be writing the next step's flags.
  state.toGather = layout.filter((entry) => anyFlag(state, entry));
  state.gatherPending = true;
  return { ms: { reduce: reduced - started, update: stepped - reduced, shareOut: performance.now() - stepped } };
}

/**
 * Every worker reads the updated weights (all parts) back from shared
 * memory: identical weights everywhere. Done lazily, at the start of the
 * next request: the main thread sends one only after every worker finished
 * its update, so all parts are written by then, and a step needs two
 * message round trips instead of three. Returns the milliseconds it took.
 */
export function gatherIfPending(state: WorkerState): number {
  if (!state.gatherPending) return 0;
  state.gatherPending = false;
  const started = performance.now();
  for (const entry of state.toGather) {
    const view = copyOut(state.updated.subarray(entry.offset, entry.offset + entry.size));
    tf.tidy(() => entry.variable.assign(tf.tensor(view, entry.variable.shape)));
  }
  return performance.now() - started;
}
