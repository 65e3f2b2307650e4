import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBackend, tempDir } from '@tfjs-compress/testing';
import { generateSet } from '../src/index.js';
import { tinyClassifier, writeShardedLayersModel } from './helpers.js';

export const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const temp = (prefix = 'cnn-lstm-run-') => tempDir(prefix);

/** Runs the CLI (from source) and returns its exit status and output. */
export function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(appDir, 'src', 'main.ts'), ...args], { cwd: appDir, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** 3 classes x 2 groups x 2 clips of 8 frames at 32x24, written once per process. */
let tiny: Promise<string> | undefined;
export function tinySet(): Promise<string> {
  tiny ??= (async () => {
    const root = join(temp('cnn-lstm-tiny-'), 'data');
    await generateSet({ root, classes: 3, groupsPerClass: 2, clipsPerGroup: 2, framesPerClip: 8, width: 32, height: 24, difficulty: 'easy', seed: 1 }, () => undefined);
    return root;
  })();
  return tiny;
}

export const EXTRACTOR_H = 12;
export const EXTRACTOR_W = 16;

/** A tiny image classifier saved as tensorflowjs_converter writes it (sharded), read at its 'pool' layer: 4 features. */
let extractor: Promise<string> | undefined;
export function tinyExtractorDir(): Promise<string> {
  extractor ??= (async () => {
    await useBackend('cpu');
    const dir = temp('cnn-lstm-extractor-');
    await writeShardedLayersModel(tinyClassifier([EXTRACTOR_H, EXTRACTOR_W, 3]), dir, 2);
    return dir;
  })();
  return extractor;
}

/** Training flags of a tiny run through the user's extractor path. */
export async function tinyTrainFlags(): Promise<string[]> {
  return [
    '--data', await tinySet(), '--extractor', await tinyExtractorDir(), '--extractor-output', 'pool', '--input-size', `${EXTRACTOR_H}x${EXTRACTOR_W}`,
    '--frames', '4', '--units', '8', '--batch', '4', '--samplings', '2', '--test-fraction', '0.25', '--backend', 'wasm', '--no-progress',
  ];
}
