import type { QuantizeDtype } from '@tfjs-compress/prune';
import { compressRun, evaluateRunModels, runPaths, runReportData, unfinishedRun, writeReport, type CompressResults, type EvalResults } from '@tfjs-compress/app-kit';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import './register.js';
import type { ClipFeatures } from './clip-features.js';
import { readCnnLstmRun, type CnnLstmRun } from './run-files.js';
import { clipFeaturesOf } from './train.js';

export interface RunCommandOptions {
  out: string;
  backend: BackendChoice;
}

/** Selects the backend, opens the run's features (extractor + cache) and disposes the extractor afterwards. */
async function withRunFeatures<T>(options: RunCommandOptions, log: (line: string) => void,
  body: (run: CnnLstmRun, features: ClipFeatures, backend: string) => Promise<T>): Promise<T> {
  const backend = await selectBackend(options.backend);
  log(describeBackend(backend));
  const run = readCnnLstmRun(options.out);
  const features = await clipFeaturesOf(run.options);
  try {
    return await body(run, features, backend.name);
  } finally {
    features.extractor.dispose();
  }
}

/**
 * `compress`: compacts <out>/vib-model into plain tfjs layers (<out>/compact)
 * and measures both on the cached test features (<out>/results.json).
 */
export function compress(options: RunCommandOptions & { latencyRuns?: number; quantize?: QuantizeDtype }, log: (line: string) => void = console.log): Promise<CompressResults> {
  return withRunFeatures(options, log, (run, features, backend) =>
    compressRun({ out: options.out, backend, latencyRuns: options.latencyRuns, quantize: options.quantize, testSource: features.source(run.test, 'test', run.options.batchSize), log }));
}

/** `eval`: test accuracy, loss and confusion of the VIB and compact models (<out>/eval.json). */
export function evaluateRun(options: RunCommandOptions, log: (line: string) => void = console.log): Promise<EvalResults> {
  return withRunFeatures(options, log, (run, features, backend) =>
    evaluateRunModels({ out: options.out, backend, testSource: features.source(run.test, 'test', run.options.batchSize) }, log));
}

/** `report`: <out>/report.html with the compression figures, training curves and log alpha histograms. */
export async function report(options: RunCommandOptions, log: (line: string) => void = console.log): Promise<string> {
  await selectBackend(options.backend);
  const run = readCnnLstmRun(options.out);
  const unfinished = unfinishedRun(options.out, run);
  if (unfinished) log(`${unfinished}: the report shows its epochs so far; run 'train --out ${options.out} --resume' to finish it`);
  const o = run.options;
  const data = await runReportData(options.out, {
    title: 'UCF11 CNN-LSTM with VIB',
    subtitle: `${run.classes.length} classes, ${run.train.length} training / ${run.test.length} test clips from ${o.data}; ` +
      `${o.frames} frames x ${run.features} CNN features (${o.extractor}); VIB-LSTM(${o.units}); seed ${o.seed}`,
  });
  const path = runPaths(options.out).report;
  await writeReport(path, data);
  log(`report written to ${path}`);
  return path;
}
