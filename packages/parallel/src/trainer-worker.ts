/**
 * Entry point of one data-parallel worker thread (started by
 * DataParallelTrainer; not a public module). It owns a backend, a copy of the
 * model and the two optimizers, and answers the main thread's requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { rawStorage, selectBackend } from '@tfjs-compress/runtime';
import {
  LeanAdam,
  categoricalCrossentropy,
  gatedLayers,
  setFrozenMask,
  silenceGates,
  setKlFac,
  splitTrainableWeights,
} from '@tfjs-compress/vib';
import type { GradResult, NamedWireTensor, OptimizerPart, Reply, Request, UpdateResult, WireTensor, WorkerInit } from './protocol.js';
import { splitRange } from './split-batch.js';
import { threadCpuMs } from './thread-cpu.js';
import { setDropoutSeeds } from './worker-seeds.js';

const init = workerData as WorkerInit;
const port = parentPort!;

interface Entry {
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
interface Shard {
  from: number;
  to: number;
  /** null when this worker's part is empty (a weight smaller than the worker count). */
  variable: tf.Variable | null;
}

let model: tfl.LayersModel;
let gateOptimizer: LeanAdam;
let restOptimizer: LeanAdam;
/** By weight: model.weights changes order when gates are frozen (trainable weights first). */
const shards = new Map<tfl.LayerVariable, Shard>();
/** Set by 'update': the weights buffer holds new values every worker still has to read. */
let gatherPending = false;
/** The weights the last update changed. */
let toGather: Entry[] = [];
/** The flat layout of the current step's gradient (set by 'grad', used by 'update' and the gather after it). */
let layout: Entry[] = [];
const slots = init.slots.map((b) => new Float32Array(b));
const flags = init.flags.map((b) => new Uint8Array(b));
const mySlot = slots[init.index];
const myFlags = flags[init.index];
const updated = new Float32Array(init.weights);
// cpu's tensor() keeps the array it is given: copy out of shared memory there.
const copyOut = (view: Float32Array) => (tf.getBackend() === 'wasm' ? view : view.slice());

function makeOptimizers(): void {
  gateOptimizer = new LeanAdam(init.ibLr);
  restOptimizer = new LeanAdam(init.lr);
}

/** Splits every weight into one contiguous part per worker and keeps this worker's part as a variable. */
function makeShards(): void {
  model.weights.forEach((w, i) => {
    const variable = w.read() as tf.Variable;
    const [from, to] = splitRange(variable.size, init.workers)[init.index];
    const part =
      to > from
        ? tf.tidy(() => tf.variable(tf.slice(tf.reshape(variable, [-1]), from, to - from), false, `parallel_shard_${init.index}_${i}`))
        : null;
    shards.set(w, { from, to, variable: part });
  });
}

/** Re-reads this worker's parts from the model's weights, after something changed them in place (silencing). */
function refreshShards(): void {
  for (const [w, { from, to, variable }] of shards) {
    if (variable) tf.tidy(() => variable.assign(tf.slice(tf.reshape(w.read(), [-1]), from, to - from)));
  }
}

function toTensor(wire: WireTensor): tf.Tensor {
  return tf.tensor(wire.data, wire.shape, wire.dtype);
}

function toWire(name: string, tensor: tf.Tensor): NamedWireTensor {
  return { name, data: tensor.dataSync() as WireTensor['data'], shape: tensor.shape, dtype: tensor.dtype };
}

/**
 * Copies a gradient into shared memory. `dataSync` on wasm allocates a fresh
 * copy of the tensor first (for the 59M-parameter kernel, 236 MB and its page
 * faults every step); wasm's heap view makes it one memcpy.
 */
function copyInto(target: Float32Array, offset: number, tensor: tf.Tensor): void {
  const storage = tensor.dtype === 'float32' ? rawStorage() : null;
  // Taken right before the copy: a view dies when the heap grows.
  if (storage) target.set(storage.view(tensor), offset);
  else target.set(tensor.dataSync() as Float32Array, offset);
}

/** Same split and order as VIBTrainer.step: gate parameters, then the rest. */
function currentLayout(): Entry[] {
  const { gate, rest } = splitTrainableWeights(model);
  const trained = new Set([...gate, ...rest]);
  // Every other weight may be written by the forward pass; the flags tell which were.
  const state = model.weights.filter((w) => !trained.has(w));
  const flagOf = new Map(model.weights.map((w, i) => [w, i]));
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
  if (offset > mySlot.length) throw new Error(`gradient of ${offset} floats exceeds the shared slot of ${mySlot.length}`);
  return entries;
}

/**
 * Gradients of weight * (task loss on this slice + the model's own losses),
 * written flat into this worker's shared slot. With weight = rows / batch,
 * the sum over workers is the gradient of the full-batch loss VIBTrainer
 * minimises (the model's losses count once: the weights sum to 1).
 */
function grad(x: WireTensor, y: WireTensor, weight: number, shareIn: number): GradResult {
  layout = currentLayout();
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
  if (variables.length === 0) throw new Error('the model has no trainable weights');
  const xs = toTensor(x);
  const ys = toTensor(y);
  let task: tf.Scalar | null = null;
  let extra: tf.Scalar | null = null;
  let hits: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const probabilities = model.apply(xs, { training: true }) as tf.Tensor;
    const t = categoricalCrossentropy(ys, probabilities);
    const total = model.calculateLosses().reduce<tf.Scalar>((sum, l) => tf.add(sum, l), t);
    task = tf.keep(t);
    extra = tf.keep(tf.sub(total, t)) as tf.Scalar;
    const labels = ys.rank === 1 ? tf.cast(ys, 'int32') : tf.argMax(ys, -1);
    hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, -1), labels), 'int32'))) as tf.Scalar;
    return tf.mul(total, weight) as tf.Scalar;
  }, variables);
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
    task: task!.dataSync()[0],
    extra: extra!.dataSync()[0],
    correct: hits!.dataSync()[0],
    length,
    ms: { compute: computed - started, readOut: performance.now() - computed, shareIn },
  };
  tf.dispose([xs, ys, value, grads, task!, extra!, hits!]);
  return result;
}

const anyFlag = (entry: Entry) => flags.some((f) => f[entry.flag] === 1);

/**
 * Sums the workers' gradients over this worker's part of every weight
 * (the parts of all workers are disjoint: a reduce-scatter), then updates
 * those parts as VIBTrainer.step updates whole weights (weight decay on the
 * rest, gate parameters at ibLr, the rest at lr) and writes them to the
 * shared weights buffer. Each worker runs 1/N of the optimizer's work.
 */
function update(): UpdateResult {
  const started = performance.now();
  const gateGrads: tf.NamedTensorMap = {};
  const restGrads: tf.NamedTensorMap = {};
  let gateGroup = false;
  let restGroup = false;
  for (const entry of layout) {
    if (!anyFlag(entry)) continue;
    if (entry.kind === 'gate') gateGroup = true;
    if (entry.kind === 'rest') restGroup = true;
    const { from, to, variable } = shards.get(entry.weight)!;
    if (variable == null) continue;
    const start = entry.offset + from;
    const end = entry.offset + to;
    // Summed on the backend (SIMD on wasm), in worker order: about 3x faster than a JS loop.
    const g = tf.tidy(() =>
      slots
        .map((slot) => tf.tensor(copyOut(slot.subarray(start, end)), [to - from]))
        .reduce((sum, part) => tf.add(sum, part)),
    );
    if (entry.kind === 'state') {
      // The rows-weighted mean of what the workers' forward passes wrote: no optimizer.
      variable.assign(g);
      g.dispose();
    } else if (entry.kind === 'gate' || init.weightDecay === 0) (entry.kind === 'gate' ? gateGrads : restGrads)[variable.name] = g;
    else {
      restGrads[variable.name] = tf.tidy(() => tf.add(g, tf.mul(init.weightDecay, variable)));
      g.dispose();
    }
  }
  const reduced = performance.now();
  // Every worker steps both optimizers whenever VIBTrainer would, even with
  // nothing of its own to update, so that their bias corrections agree.
  if (gateGroup) gateOptimizer.applyGradients(gateGrads);
  if (restGroup) restOptimizer.applyGradients(restGrads);
  tf.dispose([gateGrads, restGrads]);
  const stepped = performance.now();
  for (const entry of layout) {
    const { from, variable } = shards.get(entry.weight)!;
    if (variable != null && anyFlag(entry)) copyInto(updated, entry.offset + from, variable);
  }
  // Fixed now: by the time of the gather, other workers may already be writing the next step's flags.
  toGather = layout.filter(anyFlag);
  gatherPending = true;
  return { ms: { reduce: reduced - started, update: stepped - reduced, shareOut: performance.now() - stepped } };
}

/**
 * Every worker reads the updated weights (all parts) back from shared
 * memory: identical weights everywhere. Done lazily, at the start of the
 * next request: the main thread sends one only after every worker finished
 * its update, so all parts are written by then, and a step needs two
 * message round trips instead of three. Returns the milliseconds it took.
 */
function gatherIfPending(): number {
  if (!gatherPending) return 0;
  gatherPending = false;
  const started = performance.now();
  for (const entry of toGather) {
    const view = copyOut(updated.subarray(entry.offset, entry.offset + entry.size));
    tf.tidy(() => entry.variable.assign(tf.tensor(view, entry.variable.shape)));
  }
  return performance.now() - started;
}

/** This worker's parts of both optimizers' moments, under stable names, with where each part sits in its weight. */
async function optimizerState(optimizer: LeanAdam): Promise<OptimizerPart[]> {
  const byShard = new Map<string, { weight: tfl.LayerVariable; shard: Shard }>();
  for (const [weight, shard] of shards) if (shard.variable) byShard.set(shard.variable.name, { weight, shard });
  const parts: OptimizerPart[] = [];
  for (const { name, tensor } of await optimizer.getWeights()) {
    if (name === 'iter') parts.push({ ...toWire('iter', tensor), from: 0, fullShape: [] });
    else {
      const owner = byShard.get(name.slice(0, -2));
      if (owner) parts.push({ ...toWire(`${owner.weight.originalName}${name.slice(-2)}`, tensor), from: owner.shard.from, fullShape: owner.weight.shape as number[] });
    }
    tensor.dispose();
  }
  return parts;
}

/** Takes this worker's parts out of full moments saved under stable names. */
async function loadOptimizerState(optimizer: LeanAdam, saved: NamedWireTensor[]): Promise<void> {
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  const weights: Array<{ name: string; tensor: tf.Tensor }> = [];
  for (const w of saved) {
    if (w.name === 'iter') {
      weights.push({ name: 'iter', tensor: toTensor(w) });
      continue;
    }
    const weight = byName.get(w.name.slice(0, -2));
    if (weight === undefined) throw new Error(`optimizer state has moments for '${w.name.slice(0, -2)}', which the model does not have`);
    const { from, to, variable } = shards.get(weight)!;
    if (w.data.length !== (weight.read() as tf.Variable).size) {
      throw new Error(`optimizer state for '${weight.originalName}' has ${w.data.length} values, the weight ${weight.shape.join('x')}`);
    }
    if (variable == null) continue;
    weights.push({ name: `${variable.name}${w.name.slice(-2)}`, tensor: tf.tensor((w.data as Float32Array).subarray(from, to), [to - from]) });
  }
  await optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
}

async function handle(request: Request): Promise<unknown> {
  const shareIn = request.type === 'cpuTime' ? 0 : gatherIfPending();
  switch (request.type) {
    case 'grad':
      return grad(request.x, request.y, request.weight, shareIn);
    case 'update':
      return update();
    case 'setKlFac':
      return setKlFac(model, request.klFac);
    case 'setFrozenMask':
      return setFrozenMask(model, request.frozen);
    case 'setLearningRateScale':
      gateOptimizer.setLearningRateScale(request.scale);
      return restOptimizer.setLearningRateScale(request.scale);
    case 'silence':
      // It writes mu and logD: the parts this worker updates must see that.
      silenceGates(model, request.plan);
      return refreshShards();
    case 'resetNoise':
      for (const layer of gatedLayers(model) as Array<{ resetNoise?: () => void }>) layer.resetNoise?.();
      return;
    case 'setDropoutSeed':
      return setDropoutSeeds(model, request.seed, init.index);
    case 'resetOptimizers':
      gateOptimizer.dispose();
      restOptimizer.dispose();
      makeOptimizers();
      return;
    case 'cpuTime':
      return threadCpuMs();
    case 'numTensors':
      return tf.memory().numTensors;
    case 'getWeights':
      return model.weights.map((w) => toWire(w.originalName, w.read()));
    case 'getOptimizers':
      return { gate: await optimizerState(gateOptimizer), rest: await optimizerState(restOptimizer) };
    case 'setOptimizers':
      await loadOptimizerState(gateOptimizer, request.gate);
      await loadOptimizerState(restOptimizer, request.rest);
      return;
  }
}

const message = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

async function start(): Promise<void> {
  // Registers custom layer classes (e.g. VIBLSTM) before the model is read.
  for (const specifier of init.imports) await import(specifier);
  const backend = await selectBackend(init.backend);
  if (backend.name !== tf.getBackend()) throw new Error(`backend ${backend.name} did not become active`);
  model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: init.modelTopology as object, weightSpecs: init.weightSpecs, weightData: init.weightData }),
  );
  if (init.frozen) setFrozenMask(model, true);
  makeShards();
  makeOptimizers();
}

try {
  await start();
  port.postMessage({ id: -1, ok: true, result: 'ready' } satisfies Reply);
} catch (error) {
  port.postMessage({ id: -1, ok: false, error: message(error) } satisfies Reply);
}

// Requests run one at a time, in order: the main thread awaits each phase.
let queue = Promise.resolve();
port.on('message', (request: Request & { id: number }) => {
  queue = queue.then(async () => {
    let reply: Reply;
    try {
      reply = { id: request.id, ok: true, result: await handle(request) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: message(error) };
    }
    port.postMessage(reply);
  });
});
