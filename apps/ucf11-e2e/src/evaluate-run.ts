import { evaluateRunModels, type EvalResults } from '@tfjs-compress/app-kit';
import { describeBackend, selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import './register.js';
import { testSourceOf } from './compress.js';

export type { EvalResults } from '@tfjs-compress/app-kit';

/** Test accuracy, loss and confusion matrix of the run's VIB model and (when compressed) its compact model. */
export async function evaluateRun(options: { out: string; backend: BackendChoice }, log: (line: string) => void = console.log): Promise<EvalResults> {
  const backend = await selectBackend(options.backend);
  log(describeBackend(backend));
  return evaluateRunModels({ out: options.out, backend: backend.name, testSource: testSourceOf(options.out) }, log);
}
