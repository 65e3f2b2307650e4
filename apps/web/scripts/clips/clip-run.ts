/**
 * The Node run behind the "Classify clips" panel: the end-to-end app's own
 * pipeline (`@tfjs-compress/ucf11-e2e`) on a small synthetic UCF11-style set,
 * sized to finish in about half a minute on one core: generate -> train the
 * VIB-LSTM on raw 32x24 frames -> `compress` (compact model, uint8 copy,
 * test accuracy of each). Seeded, wasm backend.
 */
import {
  DEFAULT_TRAIN_OPTIONS,
  compress,
  ensureSyntheticSet,
  readRun,
  runPaths,
  train,
  type CompressResults,
  type RunRecord,
  type TrainOptions,
} from '@tfjs-compress/ucf11-e2e';

/** The synthetic set: 3 classes x 6 groups (styles) x 6 clips of 32 frames, drawn at the model's frame size. */
export const CLIP_SET = { classes: 3, groups: 6, clipsPerGroup: 6, framesPerClip: 32, difficulty: 'easy', seed: 1 } as const;

/**
 * 15 warm-up epochs (gates held open), a fixed KL ramp over 10, 15 more VIB
 * epochs and 5 frozen-mask fine-tune epochs. The fixed ramp rather than the
 * app's accuracy budget: 86 training clips leave too few validation clips
 * for the budget to judge a point of accuracy.
 */
export const CLIP_RUN: Omit<TrainOptions, 'data' | 'out'> = {
  ...DEFAULT_TRAIN_OPTIONS,
  frames: 8,
  width: 32,
  height: 24,
  units: 32,
  batchSize: 8,
  epochs: 40,
  warmupEpochs: 15,
  rampEpochs: 10,
  fineTuneEpochs: 5,
  lr: 5e-3,
  ibLr: 5e-2,
  klFac: 1e-3,
  dropout: 0,
  policy: 'fixed',
  seed: 1,
  backend: 'wasm',
  progress: false,
};

export interface ClipRun {
  run: RunRecord;
  results: CompressResults;
  paths: ReturnType<typeof runPaths>;
  /** `<out>/quantized`: the uint8 copy `compress` wrote with prune's `saveQuantized`. */
  uint8Dir: string;
}

/** Generates the set into `<work>/data`, trains into `<work>/run`, compresses. */
export async function runClipPipeline(work: string, log: (line: string) => void): Promise<ClipRun> {
  const data = `${work}/data`;
  const out = `${work}/run`;
  await ensureSyntheticSet({ root: data, ...CLIP_SET, groups: CLIP_SET.groups, width: CLIP_RUN.width, height: CLIP_RUN.height }, log);
  const trained = await train({ ...CLIP_RUN, data, out }, () => undefined);
  trained.model.dispose();
  const results = await compress({ out, backend: CLIP_RUN.backend, latencyRuns: 1, quantize: 'uint8' }, () => undefined);
  return { run: readRun(out), results, paths: runPaths(out), uint8Dir: `${out}/quantized` };
}
