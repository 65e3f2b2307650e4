import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BACKEND_CHOICES, type BackendChoice } from '@tfjs-compress/runtime';
import { VIB_DEFAULTS, gatedLayers, setFrozenMask, type SilencePlan } from '@tfjs-compress/vib';
import { InvalidArgumentError, assertFiniteNumber, assertNonNegative, assertOneOf, assertPositive, assertPositiveInteger } from '@tfjs-compress/common';
import type { GradResult, NamedWireTensor, OptimizerPart, Reply, Request, UpdateResult, WireTensor, WorkerInit } from './protocol.js';
import { startModuleWorker } from './module-worker.js';
import { splitBatch } from './split-batch.js';
import { toTensor } from './wire.js';
import { reseedTopology } from './worker-seeds.js';

export const DEFAULT_WORKERS = 2;
export const DEFAULT_PARALLEL_BACKEND: BackendChoice = 'wasm';

export interface DataParallelOptions {
  /** Worker threads, each with its own backend and a slice of every batch, >= 1. Default: 2. */
  workers?: number;
  /**
   * Modules each worker imports before it reads the model, so that custom
   * layer classes register (e.g. `['@tfjs-compress/vib-rnn']`). Bare package
   * names resolve from this package's location; pass absolute paths or
   * `file:` URLs for your own modules. Default: [].
   */
  imports?: string[];
  /** Backend of every worker ('auto' | 'tensorflow' | 'wasm' | 'cpu'), via runtime's selectBackend. Default: 'wasm'. */
  backend?: BackendChoice;
  /** Learning rate of every weight that is not a gate parameter, > 0. Default: 1e-3 (VIBTrainer's). */
  lr?: number;
  /** Learning rate of the gate parameters mu and logD, > 0. Default: 5e-2 (VIBTrainer's). */
  ibLr?: number;
  /** L2 weight decay on non-gate weights, >= 0. Default: 0. */
  weightDecay?: number;
  /**
   * Seed for layers whose config has none (gate noise, dropout). Worker i
   * offsets every seed by i * WORKER_SEED_STRIDE; worker 0 keeps the model's
   * own. Default: none (layers keep their own seeds; unseeded ones stay unseeded).
   */
  seed?: number;
}

/** One training step's outcome over the whole batch. */
export interface ParallelStepResult {
  /** Mean task loss over the batch plus the model's own losses: what VIBTrainer.step returns. */
  loss: number;
  /** Rows whose argmax matches the label. */
  correct: number;
  /** Rows in the batch. */
  size: number;
  /** Wall time of the step's phases on the main thread: gradients (forward and backward), then the exchange and update. */
  ms: { grad: number; update: number };
  /**
   * The slowest worker's time in each part: forward + backward, its gradient
   * into shared memory, summing its parts, the optimizer on its parts, its
   * parts of the weights out, all weights back in.
   */
  workerMs: { compute: number; readOut: number; reduce: number; update: number; shareOut: number; shareIn: number };
}

/** Optimizer moments under stable names (`<layer>/<weight>/m`, `/v`, `iter`): the format of app-kit's LoadedCheckpoint.optimizers. */
export type ParallelOptimizerState = {
  gate: tf.NamedTensorMap;
  rest: tf.NamedTensorMap;
};

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** A worker thread and its outstanding requests. */
class WorkerLink {
  readonly pending = new Map<number, Pending>();
  private nextId = 0;
  exited = false;

  constructor(
    readonly index: number,
    readonly worker: Worker,
  ) {}

  request(message: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.track(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /**
   * An idle worker does not keep the process alive (a script that forgets
   * `dispose()` still exits); one with a request in flight does, so an
   * awaited step is never cut short.
   */
  track(id: number, waiting: Pending): void {
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(id, waiting);
  }

  settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (waiting == null) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(new Error(`parallel worker ${this.index}: ${reply.error}`));
  }

  failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/** The worker module beside this one: dist/trainer-worker.js compiled, trainer-worker.ts under tsx. */
function startWorker(workerData: WorkerInit): Worker {
  const entry = import.meta.url.endsWith('.ts') ? './trainer-worker.ts' : './trainer-worker.js';
  return startModuleWorker(new URL(entry, import.meta.url).href, workerData);
}

/**
 * Data-parallel VIB training over `worker_threads`. Each worker holds a copy
 * of the model on its own backend (wasm is single-threaded in Node, so one
 * worker per core) and computes the gradient of its slice of every batch,
 * weighted by the slice's share of the batch. The gradients meet in shared
 * memory. Every weight is split into one part per worker: each worker sums
 * the gradients over its parts and updates them with its own pair of
 * LeanAdams (gate parameters at ibLr, the rest at lr), which is VIBTrainer's
 * arithmetic (Adam is elementwise), then all workers read the updated
 * weights back. The optimizer work is divided, not repeated, and every
 * worker ends the step with the same weights.
 *
 * The caller's model is not trained in place: `syncTo(model)` copies the
 * trained weights back (for evaluation or checkpoints).
 */
export class DataParallelTrainer {
  readonly workers: number;
  readonly backend: BackendChoice;
  readonly lr: number;
  readonly ibLr: number;
  readonly weightDecay: number;
  private failure: Error | null = null;
  private disposed = false;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly links: WorkerLink[],
    options: Required<Pick<DataParallelOptions, 'workers' | 'backend' | 'lr' | 'ibLr' | 'weightDecay'>>,
  ) {
    this.workers = options.workers;
    this.backend = options.backend;
    this.lr = options.lr;
    this.ibLr = options.ibLr;
    this.weightDecay = options.weightDecay;
  }

  /**
   * Starts the workers, each with a copy of `model` (topology and current
   * weights; gates frozen if the model's are) and fresh optimizers. Resolves
   * when every worker is ready; rejects (and stops them all) if one fails.
   */
  static async create(model: tfl.LayersModel, options: DataParallelOptions = {}): Promise<DataParallelTrainer> {
    const workers = options.workers ?? DEFAULT_WORKERS;
    const backend = options.backend ?? DEFAULT_PARALLEL_BACKEND;
    const lr = options.lr ?? VIB_DEFAULTS.trainer.lr;
    const ibLr = options.ibLr ?? VIB_DEFAULTS.trainer.ibLr;
    const weightDecay = options.weightDecay ?? VIB_DEFAULTS.trainer.weightDecay;
    const imports = options.imports ?? [];
    assertPositiveInteger(workers, 'workers');
    assertOneOf(backend, BACKEND_CHOICES, 'backend');
    assertPositive(lr, 'lr');
    assertPositive(ibLr, 'ibLr');
    assertNonNegative(weightDecay, 'weightDecay');
    if (options.seed !== undefined) assertFiniteNumber(options.seed, 'seed');
    if (!Array.isArray(imports) || imports.some((s) => typeof s !== 'string' || s === '')) {
      throw new InvalidArgumentError('imports', imports, 'an array of module specifiers');
    }

    // A config saved frozen creates its gate weights non-trainable for good;
    // save unfrozen and freeze in the workers instead (as app-kit's checkpoints do).
    const frozen = gatedLayers(model).some((l) => l.vibGates.some((g) => g.settings.frozenMask));
    if (frozen) setFrozenMask(model, false);
    let artifacts: tf.io.ModelArtifacts;
    try {
      artifacts = await new Promise<tf.io.ModelArtifacts>((resolve, reject) => {
        model
          .save(
            tf.io.withSaveHandler(async (a) => {
              resolve(a);
              return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
            }),
          )
          .catch(reject);
      });
    } finally {
      if (frozen) setFrozenMask(model, true);
    }
    const weightData = Array.isArray(artifacts.weightData)
      ? tf.io.concatenateArrayBuffers(artifacts.weightData)
      : (artifacts.weightData ?? new ArrayBuffer(0));

    const capacity = model.weights.reduce((n, w) => n + (w.read() as tf.Variable).size, 0);
    const slots = Array.from({ length: workers }, () => new SharedArrayBuffer(4 * capacity));
    const flags = Array.from({ length: workers }, () => new SharedArrayBuffer(model.weights.length));
    const updatedWeights = new SharedArrayBuffer(4 * capacity);
    const links: WorkerLink[] = [];
    const ready: Array<Promise<unknown>> = [];
    for (let index = 0; index < workers; index++) {
      const init: WorkerInit = {
        index,
        workers,
        imports,
        backend,
        lr,
        ibLr,
        weightDecay,
        modelTopology: reseedTopology(artifacts.modelTopology, index, options.seed),
        weightSpecs: artifacts.weightSpecs ?? [],
        weightData,
        frozen,
        slots,
        weights: updatedWeights,
        flags,
      };
      const link = new WorkerLink(index, startWorker(init));
      links.push(link);
      // The ready message answers pseudo-request -1.
      ready.push(new Promise((resolve, reject) => link.track(-1, { resolve, reject })));
    }
    const trainer = new DataParallelTrainer(links, { workers, backend, lr, ibLr, weightDecay });
    for (const link of links) trainer.watch(link);
    try {
      await Promise.all(ready);
    } catch (error) {
      await trainer.dispose();
      throw error;
    }
    return trainer;
  }

  /** Routes replies and turns a crash or an unexpected exit of any worker into a failure of the whole trainer. */
  private watch(link: WorkerLink): void {
    link.worker.on('message', (reply: Reply) => link.settle(reply));
    link.worker.on('error', (error) => this.fail(new Error(`parallel worker ${link.index} crashed: ${error.stack ?? error.message}`)));
    link.worker.on('exit', (code) => {
      link.exited = true;
      if (!this.disposed) this.fail(new Error(`parallel worker ${link.index} exited unexpectedly (code ${code})`));
    });
  }

  private fail(error: Error): void {
    if (this.failure == null) this.failure = error;
    for (const link of this.links) link.failAll(this.failure);
    // The others would wait forever for the lost worker's share: stop them all.
    for (const link of this.links) if (!link.exited) void link.worker.terminate();
  }

  /** Runs `task` after every earlier call finished: the phases of two steps must not interleave. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.disposed) throw new Error('DataParallelTrainer: used after dispose()');
      if (this.failure) throw this.failure;
      return task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private all(message: Request): Promise<unknown[]> {
    return Promise.all(this.links.map((link) => link.request(message)));
  }

  /** Threads still running (0 after dispose). */
  get liveWorkers(): number {
    return this.links.filter((l) => !l.exited).length;
  }

  /**
   * One training step on a batch: categorical cross-entropy on the model's
   * softmax output plus the model's own losses (VIB KL terms), minimised as
   * VIBTrainer.trainOnBatch does. `ys` is one-hot [batch, classes] or
   * integer labels [batch]. Any batch size >= 1 works (workers beyond the
   * batch size contribute nothing). The tensors stay the caller's.
   */
  trainOnBatch(xs: tf.Tensor, ys: tf.Tensor): Promise<ParallelStepResult> {
    return this.serial(async () => {
      if (!(xs instanceof tf.Tensor)) throw new InvalidArgumentError('xs', typeof xs, 'one tensor (models with a single input)');
      const batch = xs.shape[0];
      if (ys.shape[0] !== batch) throw new InvalidArgumentError('ys', ys.shape, `a tensor with ${batch} rows like xs`);
      const shares = splitBatch(batch, this.workers);
      const started = performance.now();
      const [xData, yData] = await Promise.all([xs.data(), ys.data()]);
      const slice = (data: tf.TypedArray | string[], shape: number[], dtype: tf.DataType, start: number, size: number): WireTensor => {
        const row = shape.slice(1).reduce((a, b) => a * b, 1);
        const part = (data as tf.TypedArray).slice(start * row, (start + size) * row) as WireTensor['data'];
        return { data: part, shape: [size, ...shape.slice(1)], dtype };
      };
      const results = (await Promise.all(
        this.links.map((link, i) => {
          const { start, size, weight } = shares[i];
          const x = slice(xData, xs.shape, xs.dtype, start, size);
          const y = slice(yData, ys.shape, ys.dtype, start, size);
          return link.request({ type: 'grad', x, y, weight }, [x.data.buffer as ArrayBuffer, y.data.buffer as ArrayBuffer]);
        }),
      )) as GradResult[];
      const gradDone = performance.now();
      let updates: UpdateResult[];
      try {
        // Each worker reads the others' updated parts at the start of its next request.
        updates = (await this.all({ type: 'update' })) as UpdateResult[];
      } catch (error) {
        // Some parts of the weights may be updated and others not: the workers now disagree.
        this.fail(error as Error);
        throw error;
      }
      const updateDone = performance.now();
      let loss = 0;
      let extra = 0;
      let correct = 0;
      results.forEach((r, i) => {
        loss += shares[i].weight * r.task;
        if (r.extra != null) extra = r.extra;
        correct += r.correct;
      });
      const ms = { grad: gradDone - started, update: updateDone - gradDone };
      const slowest = (values: number[]) => Math.max(...values);
      const workerMs = {
        compute: slowest(results.map((r) => r.ms.compute)),
        readOut: slowest(results.map((r) => r.ms.readOut)),
        reduce: slowest(updates.map((r) => r.ms.reduce)),
        update: slowest(updates.map((r) => r.ms.update)),
        shareOut: slowest(updates.map((r) => r.ms.shareOut)),
        shareIn: slowest(results.map((r) => r.ms.shareIn)),
      };
      return { loss: loss + extra, correct, size: batch, ms, workerMs };
    });
  }

  /** Sets klFac on every gated layer of every worker's model. */
  setKlFac(klFac: number): Promise<void> {
    assertNonNegative(klFac, 'klFac');
    return this.serial(async () => void (await this.all({ type: 'setKlFac', klFac })));
  }

  /** Freezes (or unfreezes) every gate's mask in every worker (fine-tuning). */
  setFrozenMask(frozen: boolean): Promise<void> {
    return this.serial(async () => void (await this.all({ type: 'setFrozenMask', frozen })));
  }

  /** Multiplies both optimizers' learning rates in every worker by `scale` (> 0) from the next step on (the fine-tune's annealing). */
  setLearningRateScale(scale: number): Promise<void> {
    assertPositive(scale, 'scale');
    return this.serial(async () => void (await this.all({ type: 'setLearningRateScale', scale })));
  }

  /** Silences the planned features and units in every worker's model (vib's `silenceGates`; shrink mode 'mask'). */
  silence(plan: Record<string, SilencePlan>): Promise<void> {
    return this.serial(async () => void (await this.all({ type: 'silence', plan })));
  }

  /** Restarts the seeded gate-noise streams in every worker (app-kit does it at each epoch). */
  resetNoise(): Promise<void> {
    return this.serial(async () => void (await this.all({ type: 'resetNoise' })));
  }

  /** Sets the seed of every Dropout layer, distinct per worker (app-kit sets one per step). */
  setDropoutSeed(seed: number): Promise<void> {
    assertFiniteNumber(seed, 'seed');
    return this.serial(async () => void (await this.all({ type: 'setDropoutSeed', seed })));
  }

  /** Replaces both optimizers of every worker with fresh ones (a new training phase). */
  resetOptimizers(): Promise<void> {
    return this.serial(async () => void (await this.all({ type: 'resetOptimizers' })));
  }

  /** CPU time each worker thread has used so far, in ms (null off Linux): for benchmarks on shared machines. */
  threadCpuMs(): Promise<Array<number | null>> {
    return this.serial(async () => (await this.all({ type: 'cpuTime' })) as Array<number | null>);
  }

  /** Live tensors in each worker (`tf.memory().numTensors`): steady across steps unless something leaks. */
  workerTensorCounts(): Promise<number[]> {
    return this.serial(async () => (await this.all({ type: 'numTensors' })) as number[]);
  }

  /** The weights of one worker's model by `originalName` (caller disposes). For checks and diagnostics. */
  weightsOf(worker = 0): Promise<tf.NamedTensorMap> {
    if (!Number.isInteger(worker) || worker < 0 || worker >= this.workers) {
      throw new InvalidArgumentError('worker', worker, `an integer in [0, ${this.workers - 1}]`);
    }
    return this.serial(async () => {
      const wires = (await this.links[worker].request({ type: 'getWeights' })) as NamedWireTensor[];
      return Object.fromEntries(wires.map((w) => [w.name, toTensor(w)]));
    });
  }

  /**
   * Copies the trained weights (worker 0's; all are identical) into `model`,
   * matched by weight `originalName`, for evaluation or checkpoints.
   */
  async syncTo(model: tfl.LayersModel): Promise<void> {
    const weights = await this.weightsOf(0);
    try {
      const missing = model.weights.filter((w) => weights[w.originalName] == null).map((w) => w.originalName);
      if (missing.length > 0) throw new InvalidArgumentError('model', missing.join(', '), 'the model the trainer was created from');
      for (const w of model.weights) w.write(weights[w.originalName]);
    } finally {
      tf.dispose(weights);
    }
  }

  /**
   * Both optimizers' moments under stable weight names (each worker holds
   * its part of every weight's moments; they are put together), in the format app-kit's `loadCheckpoint` returns: pass each
   * map to `restoreOptimizer(new LeanAdam(rate), model, map)` to get
   * LeanAdams that `saveCheckpoint` can write. Caller disposes the tensors.
   */
  exportOptimizerState(): Promise<ParallelOptimizerState> {
    return this.serial(async () => {
      const states = (await this.all({ type: 'getOptimizers' })) as Array<{ gate: OptimizerPart[]; rest: OptimizerPart[] }>;
      // Each worker holds the moments of its parts of every weight: put the parts together.
      const assemble = (lists: OptimizerPart[][]): tf.NamedTensorMap => {
        const full = new Map<string, { data: Float32Array; shape: number[] }>();
        let iter: OptimizerPart | null = null;
        for (const part of lists.flat()) {
          if (part.name === 'iter') {
            iter ??= part;
            continue;
          }
          let target = full.get(part.name);
          if (target == null) {
            target = { data: new Float32Array(part.fullShape.reduce((a, b) => a * b, 1)), shape: part.fullShape };
            full.set(part.name, target);
          }
          target.data.set(part.data as Float32Array, part.from);
        }
        const map: tf.NamedTensorMap = {};
        if (iter) map.iter = toTensor(iter);
        for (const [name, { data, shape }] of full) map[name] = tf.tensor(data, shape);
        return map;
      };
      return { gate: assemble(states.map((s) => s.gate)), rest: assemble(states.map((s) => s.rest)) };
    });
  }

  /** Loads moments saved by `exportOptimizerState` (or a checkpoint's) into every worker. The tensors stay the caller's. */
  importOptimizerState(state: Partial<ParallelOptimizerState>): Promise<void> {
    return this.serial(async () => {
      const toWires = async (map: tf.NamedTensorMap | undefined): Promise<NamedWireTensor[]> =>
        Promise.all(
          Object.entries(map ?? {}).map(async ([name, t]) => ({ name, data: (await t.data()) as WireTensor['data'], shape: t.shape, dtype: t.dtype })),
        );
      const [gate, rest] = await Promise.all([toWires(state.gate), toWires(state.rest)]);
      try {
        await this.all({ type: 'setOptimizers', gate, rest });
      } catch (error) {
        this.fail(error as Error);
        throw error;
      }
    });
  }

  /** Stops every worker thread. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const stopped = new Error('DataParallelTrainer: disposed');
    for (const link of this.links) link.failAll(stopped);
    await Promise.all(this.links.map((link) => (link.exited ? undefined : link.worker.terminate())));
    for (const link of this.links) link.exited = true;
  }
}
