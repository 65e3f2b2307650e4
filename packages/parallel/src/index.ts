export {
  DEFAULT_PARALLEL_BACKEND,
  DEFAULT_WORKERS,
  DataParallelTrainer,
  type DataParallelOptions,
  type ParallelOptimizerState,
  type ParallelStepResult,
} from './data-parallel-trainer.js';
export { splitBatch, splitRange, type BatchShare } from './split-batch.js';
export { DROPOUT_SEED_STRIDE, LAYER_SEED_STRIDE, WORKER_SEED_STRIDE, reseedTopology, setDropoutSeeds, workerSeed } from './worker-seeds.js';
export { threadCpuMs } from './thread-cpu.js';
export { leanAdamState } from './optimizer-state.js';
