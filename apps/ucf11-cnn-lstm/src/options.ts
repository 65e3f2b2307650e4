import { SHARED_TRAIN_DEFAULTS, type CommonTrainOptions } from '@tfjs-compress/app-kit';
import type { BackendChoice } from '@tfjs-compress/runtime';
import { SPLIT_KINDS, type ReadLayout, type SplitKind } from '@tfjs-compress/video';
import type { MissingFeatures } from './cached-split.js';
import { DEFAULT_TRAIN_SAMPLINGS } from './clip-features.js';

export const SPLITS = SPLIT_KINDS;
export type { SplitKind };

/** How frames are normalised before the extractor: the video package's names, plus 'symmetric' ([-1, 1], Keras 'tf' mode). */
export const NORMALIZATIONS = ['imagenet', 'unit', 'none', 'symmetric'] as const;
export type NormalizationChoice = (typeof NORMALIZATIONS)[number];

/** The built-in extractor's name on the command line. */
export const RANDOM_EXTRACTOR = 'random-conv';

/** Options of `train` (and of the training part of `demo` and `sweep`). */
export interface CnnLstmTrainOptions extends CommonTrainOptions {
  layout: ReadLayout;
  split: SplitKind;
  backend: BackendChoice;
  /**
   * The frame feature extractor: 'random-conv' (built in: untrained, seeded,
   * offline) or a tfjs model (folder, model.json path or http(s) URL).
   */
  extractor: string;
  /** Layer / node to read features from (a model extractor). Default: the model's output. */
  extractorOutput?: string;
  /** Frame size fed to the extractor, [height, width]. Default: the model's own; 120x160 for random-conv. */
  inputSize?: [number, number];
  normalization: NormalizationChoice;
  /** random-conv: features per frame. */
  featureSize: number;
  /** random-conv: seed of its fixed weights. */
  extractorSeed: number;
  /** random-conv: pooling grid [rows, cols] of its last feature map (keeps coarse position). */
  poolGrid: [number, number];
  /** Cached training samplings per clip (augmentation). */
  samplings: number;
  /** Feature cache. Default: <out>/feature-cache. */
  cacheDir?: string;
  /** Cache entries missing when training starts: see MISSING_FEATURES. Default: 'fail' with cacheDir, else 'extract'. */
  missingFeatures?: MissingFeatures;
  /** Group-lasso weight of the stage after VIB; 0: no stage. */
  groupLasso: number;
  groupLassoEpochs: number;
}

/**
 * The paper's CNN-LSTM setup (the paper's UCF11 setup): 2048 features, 2048
 * units, batch 32, no dropout, and 8 frames where the paper takes 32: a
 * 2048-unit training step over 32 frames needs about 6.4 GiB (app-kit's
 * `estimateStepBytes`), more than the wasm backend's 4 GiB heap, and 8
 * frames need 2.3 GiB (`--frames 32` with tfjs-node). The schedule is the
 * end-to-end app's (KL warm-up, ramp, frozen-mask fine-tune).
 */
export const DEFAULT_TRAIN_OPTIONS: CnnLstmTrainOptions = {
  data: 'data/ucf11',
  layout: 'auto',
  split: 'random',
  testFraction: 0.2,
  out: 'runs/ucf11-cnn-lstm',
  frames: 8,
  units: 2048,
  batchSize: 32,
  epochs: 30,
  warmupEpochs: 5,
  rampEpochs: 10,
  fineTuneEpochs: 5,
  pretrainEpochs: 0,
  ...SHARED_TRAIN_DEFAULTS,
  dropout: 0,
  // Shrink-as-you-train, as in the end-to-end app (its shrink benchmark: faster, not less accurate).
  shrink: true,
  shrinkPatience: 2,
  shrinkChecks: 3,
  seed: 1,
  backend: 'auto',
  resume: false,
  extractor: RANDOM_EXTRACTOR,
  normalization: 'imagenet',
  featureSize: 2048,
  extractorSeed: 1,
  poolGrid: [4, 4],
  samplings: DEFAULT_TRAIN_SAMPLINGS,
  groupLasso: 0,
  groupLassoEpochs: 3,
};
