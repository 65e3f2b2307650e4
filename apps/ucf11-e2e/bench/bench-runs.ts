/**
 * What the e2e benchmarks share: one training run per child process (so
 * heaps and backends start clean), the generated data set, and a frame cache
 * filled before the first timed run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { DEMO_DEFAULTS, ensureSyntheticSet, loadSplit, videoSource, type TrainOptions } from '../src/index.js';

/** Runs `script --child <spec>` and returns the last JSON line it printed. */
export function runChild<T>(script: string, spec: unknown): T {
  const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(script), '--child', JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 60 * 60_000,
  });
  const line = result.stdout?.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`run failed: ${result.error?.message ?? result.stderr?.split('\n').slice(-5).join(' | ')}`);
  return JSON.parse(line) as T;
}

/** The demo's generated UCF11-layout set at 160 x 120, written once to `options.data`. */
export async function ensureBenchSet(options: TrainOptions): Promise<void> {
  const d = DEMO_DEFAULTS;
  await ensureSyntheticSet(
    {
      root: options.data, classes: d.synthClasses, groups: d.synthGroups, clipsPerGroup: d.synthClipsPerGroup,
      framesPerClip: d.synthFrames, width: 160, height: 120, difficulty: d.synthDifficulty, seed: d.seed,
    },
    (line) => process.stderr.write(`${line}\n`),
  );
}

/** Decodes every clip once into the shared frame cache, so no timed run pays for ffmpeg. */
export async function warmCache(options: TrainOptions): Promise<void> {
  const split = await loadSplit(options);
  const stream = { frames: options.frames, width: options.width, height: options.height, batchSize: options.batchSize, classes: split.classes.length, seed: options.seed, cacheDir: options.cacheDir! };
  for (const [clips, mode] of [[split.train, 'train'], [split.test, 'test']] as const) {
    const source = videoSource(clips, mode, stream);
    for await (const batch of source.batches(1)) tf.dispose([batch.xs, batch.ys]);
    await source.stream.close();
  }
}
