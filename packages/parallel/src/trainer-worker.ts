/**
 * Entry point of one data-parallel worker thread (started by
 * DataParallelTrainer; not a public module). It owns a backend and a
 * WorkerState (a copy of the model, its parts of the weights and the two
 * optimizers), and answers the main thread's requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@tfjs-compress/runtime';
import { gatedLayers, setFrozenMask, silenceGates, setKlFac } from '@tfjs-compress/vib';
import type { Reply, Request, WorkerInit } from './protocol.js';
import { threadCpuMs } from './thread-cpu.js';
import { toWire } from './wire.js';
import { loadOptimizerState, optimizerState } from './worker-optimizer-state.js';
import { setDropoutSeeds } from './worker-seeds.js';
import { WorkerState } from './worker-state.js';
import { gatherIfPending, grad, update } from './worker-step.js';

const port = parentPort!;

async function handle(state: WorkerState, request: Request): Promise<unknown> {
  const shareIn = request.type === 'cpuTime' ? 0 : gatherIfPending(state);
  const { model, optimizers } = state;
  switch (request.type) {
    case 'grad':
      return grad(state, request.x, request.y, request.weight, shareIn);
    case 'update':
      return update(state);
    case 'setKlFac':
      return setKlFac(model, request.klFac);
    case 'setFrozenMask':
      return setFrozenMask(model, request.frozen);
    case 'setLearningRateScale':
      optimizers.gateOptimizer.setLearningRateScale(request.scale);
      return optimizers.restOptimizer.setLearningRateScale(request.scale);
    case 'silence':
      // It writes mu and logD: the parts this worker updates must see that.
      silenceGates(model, request.plan);
      return state.refreshShards();
    case 'resetNoise':
      for (const layer of gatedLayers(model) as Array<{ resetNoise?: () => void }>) layer.resetNoise?.();
      return;
    case 'setDropoutSeed':
      return setDropoutSeeds(model, request.seed, state.init.index);
    case 'resetOptimizers':
      return state.resetOptimizers();
    case 'cpuTime':
      return threadCpuMs();
    case 'numTensors':
      return tf.memory().numTensors;
    case 'getWeights':
      return model.weights.map((w) => toWire(w.originalName, w.read()));
    case 'getOptimizers':
      return { gate: await optimizerState(state, optimizers.gateOptimizer), rest: await optimizerState(state, optimizers.restOptimizer) };
    case 'setOptimizers':
      await loadOptimizerState(state, optimizers.gateOptimizer, request.gate);
      await loadOptimizerState(state, optimizers.restOptimizer, request.rest);
      return;
  }
}

const message = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

async function start(init: WorkerInit): Promise<WorkerState> {
  // Registers custom layer classes (e.g. VIBLSTM) before the model is read.
  for (const specifier of init.imports) await import(specifier);
  const backend = await selectBackend(init.backend);
  if (backend.name !== tf.getBackend()) throw new Error(`backend ${backend.name} did not become active`);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: init.modelTopology as object, weightSpecs: init.weightSpecs, weightData: init.weightData }),
  );
  if (init.frozen) setFrozenMask(model, true);
  return new WorkerState(init, model);
}

/** Starts the worker and tells the main thread how that went: the state, or null after a failure. */
async function startAndReport(): Promise<WorkerState | null> {
  try {
    const started = await start(workerData as WorkerInit);
    port.postMessage({ id: -1, ok: true, result: 'ready' } satisfies Reply);
    return started;
  } catch (error) {
    port.postMessage({ id: -1, ok: false, error: message(error) } satisfies Reply);
    return null;
  }
}

const state = await startAndReport();

// Requests run one at a time, in order: the main thread awaits each phase.
let queue = Promise.resolve();
port.on('message', (request: Request & { id: number }) => {
  queue = queue.then(async () => {
    let reply: Reply;
    try {
      if (state == null) throw new Error('the worker did not start');
      reply = { id: request.id, ok: true, result: await handle(state, request) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: message(error) };
    }
    port.postMessage(reply);
  });
});
