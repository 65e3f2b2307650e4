import { compressRun, type CompressResults } from '@tfjs-compress/app-kit';
import type { QuantizeDtype } from '@tfjs-compress/prune';
import { loadCompact } from '@tfjs-compress/prune/node';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import './register.js';
import { closableVideoSource, streamOptionsOf } from './dataset.js';
import { readRun, runPaths } from './run-files.js';

export { formatResults, keepInputs, type CompressResults, type ModelFigures } from '@tfjs-compress/app-kit';

export interface CompressOptions {
  out: string;
  backend: BackendChoice;
  /** Latency runs per model. Default: 10. */
  latencyRuns?: number;
  /** Also save the compact model with quantized weights (<out>/quantized) and measure it. */
  quantize?: QuantizeDtype;
}

/** The run's test clips as a closable batch source (frames from the run's frame cache). */
export function testSourceOf(out: string) {
  const run = readRun(out);
  // The stream's default ffmpeg concurrency, as evaluation always used.
  return closableVideoSource(run.test, 'test', { ...streamOptionsOf(run.options, run.classes.length), concurrency: undefined });
}

/**
 * Compacts the trained VIB model into plain tfjs layers (prune's `compact`),
 * saves it in <out>/compact, and measures both models on the test clips:
 * accuracy, parameters, FLOPs and per-clip latency on this backend (app-kit's `compressRun`).
 */
export async function compress(options: CompressOptions, log: (line: string) => void = console.log): Promise<CompressResults> {
  const backend = await selectBackend(options.backend);
  log(describeBackend(backend));
  return compressRun({ out: options.out, backend: backend.name, latencyRuns: options.latencyRuns, quantize: options.quantize, testSource: testSourceOf(options.out), log });
}

/** Loads the compact model and its kept inputs. */
export async function loadCompactModel(out: string) {
  return loadCompact(runPaths(out).compact);
}
