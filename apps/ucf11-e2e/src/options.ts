import { SHARED_TRAIN_DEFAULTS, type CommonTrainOptions } from '@tfjs-compress/app-kit';
import type { BackendChoice } from '@tfjs-compress/runtime';
import type { ReadLayout } from '@tfjs-compress/video';
import type { SplitKind } from './dataset.js';

/** Input-to-hidden map of the VIB-LSTM: dense, tensor-train or tensor-ring (`@tfjs-compress/tensor`). */
export const PROJECTIONS = ['dense', 'tt', 'tr'] as const;
export type ProjectionKind = (typeof PROJECTIONS)[number];

/** Options of `train` (and of the training part of `demo`): app-kit's shared ones plus this app's. */
export interface TrainOptions extends CommonTrainOptions {
  layout: ReadLayout;
  split: SplitKind;
  backend: BackendChoice;
  /** Frame cache. Default: <out>/frame-cache. */
  cacheDir?: string;
  width: number;
  height: number;
  /** Input projection of the LSTM. */
  projection: ProjectionKind;
  /** TT/TR rank of every inner bond (tt, tr). */
  projectionRank: number;
  /** Number of TT/TR cores (tt, tr). */
  projectionOrder: number;
  /** ffmpeg processes at once. */
  concurrency?: number;
}

/** The paper's end-to-end setup (the paper's UCF11 setup) where it fits this runtime; batch 16 instead of 128 (wasm heap). */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  data: 'data/ucf11',
  layout: 'auto',
  split: 'random',
  testFraction: 0.2,
  out: 'runs/ucf11-e2e',
  frames: 8,
  width: 160,
  height: 120,
  units: 256,
  batchSize: 16,
  epochs: 30,
  warmupEpochs: 5,
  rampEpochs: 10,
  fineTuneEpochs: 5,
  pretrainEpochs: 0,
  projection: 'dense',
  projectionRank: 4,
  projectionOrder: 4,
  ...SHARED_TRAIN_DEFAULTS,
  dropout: 0.5,
  shrink: true,
  shrinkPatience: 2,
  // Pruned inputs leave a third of an epoch after they are first pruned twice in a row, not a whole epoch (the shrink benchmark, bench/shrink.ts).
  shrinkChecks: 3,
  seed: 1,
  backend: 'auto',
  resume: false,
};
