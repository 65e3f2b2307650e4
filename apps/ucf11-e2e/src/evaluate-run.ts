import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { evaluate, writeJsonAtomic, type Evaluation } from '@tfjs-compress/app-kit';
import { fileSystemHandler, loadCompact } from '@tfjs-compress/prune';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import './register.js';
import { keepInputs } from './compress.js';
import { videoSource } from './dataset.js';
import { readRun, runPaths } from './run-files.js';

export interface EvalResults {
  backend: string;
  vib: Evaluation | null;
  compact: Evaluation | null;
}

/** Test accuracy, loss and confusion matrix of the run's VIB model and (when compressed) its compact model. */
export async function evaluateRun(options: { out: string; backend: BackendChoice }, log: (line: string) => void = console.log): Promise<EvalResults> {
  const backend = await selectBackend(options.backend);
  log(describeBackend(backend));
  const paths = runPaths(options.out);
  const run = readRun(options.out);
  const o = run.options;
  const source = videoSource(run.test, 'test', {
    frames: o.frames, width: o.width, height: o.height, batchSize: o.batchSize, classes: run.classes.length, seed: o.seed,
    cacheDir: o.cacheDir ?? join(paths.dir, 'frame-cache'),
  });
  const results: EvalResults = { backend: backend.name, vib: null, compact: null };
  try {
    if (existsSync(join(paths.vibModel, 'model.json'))) {
      const model = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
      results.vib = await evaluate(model, source, { classes: run.classes.length });
      model.dispose();
      log(`VIB model:     accuracy ${(100 * results.vib.accuracy).toFixed(1)}%  loss ${results.vib.loss.toFixed(4)}  (${results.vib.count} clips)`);
    }
    if (existsSync(join(paths.compact, 'model.json'))) {
      const { model, compression } = await loadCompact(paths.compact);
      results.compact = await evaluate(model, source, { classes: run.classes.length, transform: keepInputs(compression.keptInputs) });
      model.dispose();
      log(`compact model: accuracy ${(100 * results.compact.accuracy).toFixed(1)}%  loss ${results.compact.loss.toFixed(4)}  (${results.compact.count} clips)`);
    }
  } finally {
    await source.stream.close();
  }
  if (!results.vib && !results.compact) throw new Error(`no model in ${paths.dir}: run 'train' (and 'compress') first`);
  await writeJsonAtomic(paths.evaluation, results);
  return results;
}
