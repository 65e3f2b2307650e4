import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/vib';
import { patchWasmGather } from './wasm-gather.js';
import { patchWasmMatMul } from './wasm-matmul.js';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface SelectedBackend {
  name: string;
  /** Threads the backend computes with (1 for cpu, 1 for wasm in Node). */
  threads: number;
  /** Why this backend, e.g. "@tensorflow/tfjs-node is not installed". */
  reason: string;
}

async function tryImport(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks the fastest backend available: `@tensorflow/tfjs-node` (registered as
 * 'tensorflow') when installed, else wasm (with the matMul fast path), else
 * cpu. `choice` forces one and fails clearly if it cannot start.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<SelectedBackend> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new InvalidArgumentError('backend', choice, `one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const notes: string[] = [];
  const attempt = async (name: 'tensorflow' | 'wasm' | 'cpu'): Promise<SelectedBackend | null> => {
    const pkg = { tensorflow: '@tensorflow/tfjs-node', wasm: '@tensorflow/tfjs-backend-wasm', cpu: '@tensorflow/tfjs-backend-cpu' }[name];
    if (!(await tryImport(pkg))) {
      notes.push(`${pkg} is not installed`);
      return null;
    }
    if (name === 'wasm') {
      patchWasmMatMul();
      patchWasmGather();
    }
    const ok = await tf.setBackend(name).catch(() => false);
    if (!ok) {
      notes.push(`${name} failed to start`);
      return null;
    }
    await tf.ready();
    const threads = name === 'tensorflow' ? await hostThreads() : 1;
    return { name, threads, reason: notes.length ? notes.join('; ') : choice === 'auto' ? 'fastest available' : 'requested' };
  };
  const order: Array<'tensorflow' | 'wasm' | 'cpu'> = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    const selected = await attempt(name);
    if (selected) return selected;
  }
  throw new InvalidArgumentError('backend', choice, `a backend that can start here (${notes.join('; ')})`);
}

/**
 * The cores libtensorflow's intra-op pool uses (all of them by default).
 * tfjs-node only runs in Node, so node:os is imported there, by a specifier
 * bundlers leave alone: the module stays loadable in a page.
 */
async function hostThreads(): Promise<number> {
  const nodeOs = ['node', 'os'].join(':');
  try {
    const os = (await import(nodeOs)) as { availableParallelism(): number };
    return os.availableParallelism();
  } catch {
    return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  }
}

/** One line for the start of a run: which backend and why. */
export function describeBackend(selected: SelectedBackend): string {
  return `backend: ${selected.name} (${selected.threads} thread${selected.threads === 1 ? '' : 's'}; ${selected.reason})`;
}
