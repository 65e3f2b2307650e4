import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler, loadCompact } from '@tfjs-compress/prune/node';
import { writeJsonAtomic } from './atomic-files.js';
import type { ClosableSource } from './compress-run.js';
import { keepInputs } from './compress-run.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { readFinishedRun, runPaths } from './run-files.js';

export interface EvalResults {
  backend: string;
  vib: Evaluation | null;
  compact: Evaluation | null;
}

/**
 * Test accuracy, loss and confusion matrix of the run's VIB model and (when
 * compressed) its compact model; writes <out>/eval.json. Closes the source.
 */
export async function evaluateRunModels(
  options: { out: string; backend: string; testSource: ClosableSource },
  log: (line: string) => void = console.log,
): Promise<EvalResults> {
  const paths = runPaths(options.out);
  const classes = readFinishedRun<unknown, unknown>(options.out).classes.length;
  const results: EvalResults = { backend: options.backend, vib: null, compact: null };
  const line = (name: string, e: Evaluation) => `${name} accuracy ${(100 * e.accuracy).toFixed(1)}%  loss ${e.loss.toFixed(4)}  (${e.count} clips)`;
  try {
    if (existsSync(join(paths.vibModel, 'model.json'))) {
      const model = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
      results.vib = await evaluate(model, options.testSource, { classes });
      model.dispose();
      log(line('VIB model:    ', results.vib));
    }
    if (existsSync(join(paths.compact, 'model.json'))) {
      const { model, compression } = await loadCompact(paths.compact);
      results.compact = await evaluate(model, options.testSource, { classes, transform: keepInputs(compression.keptInputs) });
      model.dispose();
      log(line('compact model:', results.compact));
    }
  } finally {
    await options.testSource.close();
  }
  if (!results.vib && !results.compact) throw new Error(`no model in ${paths.dir}: run 'train' (and 'compress') first`);
  await writeJsonAtomic(paths.evaluation, results);
  return results;
}
