/**
 * `train` with the app's defaults (8 frames of 160 x 120 x 3 = 57,600 inputs,
 * VIB-LSTM(256), batch 16, 30 epochs) on a 275-clip generated set, then
 * `compress --quantize uint8`; and `--batch 64`, which cannot fit the wasm
 * heap and must stop before any clip is decoded. Uses the built CLI.
 *
 *   node --import tsx bench/defaults.ts [--backend wasm] [--json file] [--keep]
 *
 * Writes <repo>/bench-results/ucf11-e2e-defaults.json and prints tables.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultsBenchFromArgs } from '@tfjs-compress/testing';

await defaultsBenchFromArgs('ucf11-e2e', join(dirname(fileURLToPath(import.meta.url)), '..'), { oversized: ['--batch', '64'], quantize: 'uint8' });
