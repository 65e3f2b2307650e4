import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompressResults } from '@tfjs-compress/app-kit';
import { benchEdge, type EdgeBench } from './bench-edge.js';
import { DEFAULT_TRAIN_OPTIONS, type CnnLstmTrainOptions } from './options.js';
import { compress, report } from './run-commands.js';
import { generateSet } from './synthetic-set.js';
import { train } from './train.js';

/**
 * Sized for about 10 minutes on a 2-core machine with the wasm backend: the
 * synthetic set (352 clips, 'easy'), the random-conv extractor at 512
 * features (a 4x4 grid of 32 channels), 8 frames, 128 units, two cached
 * samplings per training clip; 40 warm-up epochs (gates frozen), a KL ramp
 * over 20, 20 more VIB epochs, 15 fine-tuning epochs.
 */
export const DEMO_DEFAULTS: CnnLstmTrainOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  data: 'output/ucf11-cnn-lstm/synthetic-ucf11',
  out: 'output/ucf11-cnn-lstm/run',
  frames: 8,
  units: 128,
  batchSize: 16,
  featureSize: 512,
  samplings: 2,
  epochs: 80,
  warmupEpochs: 40,
  rampEpochs: 20,
  fineTuneEpochs: 15,
  lr: 3e-3,
};

export interface DemoOutcome {
  results: CompressResults;
  bench: EdgeBench;
  reportPath: string;
  seconds: number;
}

/** `npm start`: synthetic set (generated when missing) -> features -> train -> compress -> bench-edge -> report. */
export async function runDemo(options: CnnLstmTrainOptions, log: (line: string) => void = console.log): Promise<DemoOutcome> {
  const started = performance.now();
  await generateSet({ root: resolve(options.data), classes: 11, groupsPerClass: 8, clipsPerGroup: 4, framesPerClip: 32, difficulty: 'easy', seed: options.seed }, log);
  const outcome = await train(options, log);
  outcome.model.dispose();
  log('');
  const results = await compress({ out: options.out, backend: options.backend }, log);
  log('');
  const bench = await benchEdge({ out: options.out, backend: options.backend, runs: 10 }, log);
  log('');
  const reportPath = await report({ out: options.out, backend: options.backend }, log);
  const seconds = (performance.now() - started) / 1000;
  log(`\ndone in ${seconds.toFixed(0)} s. Report: ${reportPath}`);
  log(`classify a clip: node ${fileURLToPath(new URL('main.js', import.meta.url))} infer --out ${resolve(options.out)} <clip.avi>`);
  return { results, bench, reportPath, seconds };
}
