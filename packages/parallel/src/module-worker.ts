import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the ES module at `moduleUrl`. Compiled (.js) it is
 * started directly. Under tsx (tests, benchmarks) the module is .ts, and a
 * worker does not get tsx's loader from `--import tsx`: a small bootstrap
 * registers it first.
 */
export function startModuleWorker(moduleUrl: string, workerData: unknown): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(moduleUrl), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(moduleUrl)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
