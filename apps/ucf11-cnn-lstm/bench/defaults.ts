/**
 * `train` with the app's defaults (8 frames, 2,048 random-conv features,
 * VIB-LSTM(2048), batch 32, 30 epochs) on a 275-clip generated set, then
 * `compress --quantize uint8`; and `--frames 32`, which cannot fit the wasm
 * heap and must stop before any feature is extracted. Uses the built CLI.
 *
 *   node --import tsx bench/defaults.ts [--backend wasm] [--json file] [--keep]
 *
 * Writes <repo>/bench-results/ucf11-cnn-lstm-defaults.json and prints tables.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultsBenchFromArgs } from '@tfjs-compress/testing';

await defaultsBenchFromArgs('ucf11-cnn-lstm', join(dirname(fileURLToPath(import.meta.url)), '..'), { oversized: ['--frames', '32'], quantize: 'uint8' });
