import { join } from 'node:path';
import { tempDir } from '@tfjs-compress/testing';
import { ensureSyntheticSet } from '../src/index.js';

export const temp = (prefix = 'ucf11-e2e-') => tempDir(prefix);

/** 3 classes x 2 groups x 2 clips of 8 frames at 32x24, written once per process. */
let tiny: Promise<string> | undefined;
export function tinySet(): Promise<string> {
  tiny ??= (async () => {
    const root = join(temp('ucf11-tiny-'), 'data');
    await ensureSyntheticSet(
      { root, classes: 3, groups: 2, clipsPerGroup: 2, framesPerClip: 8, width: 32, height: 24, difficulty: 'easy', seed: 1 },
      () => undefined,
    );
    return root;
  })();
  return tiny;
}

/** Options of a tiny training run (CLI flags). */
export const TINY_FLAGS = ['--frames', '4', '--width', '32', '--height', '24', '--units', '8', '--batch', '4', '--backend', 'wasm', '--no-progress'];
