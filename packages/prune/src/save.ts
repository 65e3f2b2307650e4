import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { CompactResult, CompactedLayer } from './compact.js';
import { fileSystemHandler, writeAtomic } from './file-handler.js';
import { quantize, type QuantizeDtype, type QuantizeResult } from './quantize.js';
import type { CompressionReport } from './report.js';

export const COMPRESSION_FILE = 'compression.json';

/** Contents of `compression.json`. */
export interface CompressionRecord {
  keptInputs: number[];
  /** Per model input (null: taken as it is); absent in records from before models with several inputs. */
  keptInputsPerInput?: (number[] | null)[];
  outputFeatures: number[];
  layers: CompactedLayer[];
  report: CompressionReport;
}

/**
 * Saves a compact model: `model.json` + `weights.bin` (standard tfjs layers
 * format) and `compression.json` (kept indices, per-layer shapes before and
 * after, parameter and FLOP counts). Every file is written atomically.
 */
export async function saveCompact(result: CompactResult, dir: string): Promise<void> {
  await result.model.save(fileSystemHandler(dir));
  const record: CompressionRecord = {
    keptInputs: result.keptInputs,
    keptInputsPerInput: result.keptInputsPerInput,
    outputFeatures: result.outputFeatures,
    layers: result.layers,
    report: result.report,
  };
  // Infinity (a ratio over zero) is not JSON: write it as null.
  const json = JSON.stringify(record, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  await writeAtomic(join(dir, COMPRESSION_FILE), json);
}

/** Loads what `saveCompact` wrote. */
export async function loadCompact(dir: string): Promise<{ model: tfl.LayersModel; compression: CompressionRecord }> {
  const model = await tfl.loadLayersModel(fileSystemHandler(dir));
  const compression = JSON.parse(await readFile(join(dir, COMPRESSION_FILE), 'utf8')) as CompressionRecord;
  return { model, compression };
}

/** `quantize(model, options)` written to `dir` (`model.json` + `weights.bin`, atomically); `tf.loadLayersModel` reads it back. */
export async function saveQuantized(model: tfl.LayersModel, dir: string, options: { dtype: QuantizeDtype }): Promise<QuantizeResult> {
  const result = await quantize(model, options);
  await fileSystemHandler(dir).save!(result.artifacts);
  return result;
}
