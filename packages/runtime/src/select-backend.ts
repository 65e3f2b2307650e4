import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { patchWasmGather } from './wasm-gather.js';
import { registerWasmSegmentSum } from './wasm-segment-sum.js';
import { patchWasmMatMul } from './wasm-matmul.js';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';
/** The choices of a Node command line (the GPU backends only run in a page). */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
/** The choices in a page: `'auto'` tries them in this order. */
export const BROWSER_BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];
const ALL_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];
type BackendName = Exclude<BackendChoice, 'auto'>;

export interface SelectedBackend {
  name: string;
  /** Threads the backend computes with (1 for cpu, 1 for wasm in Node; 1 for webgl and webgpu, which compute on the GPU). */
  threads: number;
  /** Why this backend, e.g. "@tensorflow/tfjs-node is not installed". */
  reason: string;
  /**
   * Whether synchronous reads (`dataSync`, `arraySync`) give right values;
   * null when not checked. `'auto'` checks them and never picks a backend
   * whose sync reads are wrong, as a software WebGPU adapter's are (computes
   * and reads back with `data()`, but `dataSync()` gives zeros; `model.fit`
   * and `compact` read synchronously). A requested backend is not checked:
   * on that adapter the failed sync read leaves the device unusable, while
   * inference that reads with `data()` / `array()` runs right.
   */
  syncReads: boolean | null;
}

async function tryImport(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

const PACKAGES: Record<BackendName, string> = {
  tensorflow: '@tensorflow/tfjs-node',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  webgl: '@tensorflow/tfjs-backend-webgl',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** A page or a web worker (tfjs's own test), not Node. */
function inBrowser(): boolean {
  return tf.env().getBool('IS_BROWSER');
}

/**
 * Picks the fastest backend available. In Node: `@tensorflow/tfjs-node`
 * (registered as 'tensorflow') when installed, else wasm (with the matMul and
 * gather fast paths), else cpu. In a page: webgpu, else webgl, else wasm,
 * else cpu, among the backends the page has imported (a bundler only ships
 * the backends a page imports, so nothing is imported here; a wasm backend
 * needs its `.wasm` files served, see `setWasmPaths`). A backend that is
 * registered but cannot start there (no GPU adapter, no WebGL context) is
 * skipped, and the reason says so. `choice` forces one and fails clearly if
 * it cannot start.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<SelectedBackend> {
  if (!ALL_CHOICES.includes(choice)) {
    throw new InvalidArgumentError('backend', choice, `one of ${(inBrowser() ? BROWSER_BACKEND_CHOICES : BACKEND_CHOICES).join(', ')}`);
  }
  const browser = inBrowser();
  const notes: string[] = [];
  const attempt = async (name: BackendName): Promise<SelectedBackend | null> => {
    const pkg = PACKAGES[name];
    if (browser) {
      if (tf.findBackendFactory(name) == null) {
        notes.push(`${pkg} is not imported`);
        return null;
      }
    } else if (!(await tryImport(pkg))) {
      notes.push(`${pkg} is not installed`);
      return null;
    }
    if (name === 'wasm') {
      patchWasmMatMul();
      patchWasmGather();
      registerWasmSegmentSum();
    }
    const ok = await tf.setBackend(name).catch(() => false);
    if (!ok) {
      notes.push(`${name} failed to start`);
      return null;
    }
    await tf.ready();
    // A backend can start and still fail at its first read-back (a browser whose WebGPU adapter loses its device):
    // one tiny computation decides, so the page falls back instead of failing later.
    const failure = await probeFails('data()');
    if (failure != null) {
      notes.push(`${name} started but could not compute (${failure})`);
      tf.removeBackend(name);
      return null;
    }
    const threads = name === 'tensorflow' ? await hostThreads() : 1;
    if (choice !== 'auto') return { name, threads, reason: 'requested', syncReads: null };
    const syncFailure = await probeFails('dataSync()');
    if (syncFailure != null) {
      notes.push(`${name} computes but its synchronous reads fail (${syncFailure})`);
      tf.removeBackend(name);
      return null;
    }
    return { name, threads, reason: notes.length ? notes.join('; ') : 'fastest available', syncReads: true };
  };
  const automatic: BackendName[] = browser ? ['webgpu', 'webgl', 'wasm', 'cpu'] : ['tensorflow', 'wasm', 'cpu'];
  const order: BackendName[] = choice === 'auto' ? automatic : [choice];
  for (const name of order) {
    const selected = await attempt(name);
    if (selected) return selected;
  }
  throw new InvalidArgumentError('backend', choice, `a backend that can start here (${notes.join('; ')})`);
}

/**
 * What both read-back checks compute: the sum of a 64x64 all-ones matMul,
 * 262,144 exactly. Large enough that a GPU backend runs it on the GPU (tfjs's
 * webgpu backend hands small element-wise ops to the cpu, which would test
 * nothing).
 */
const PROBE_SIDE = 64;
const PROBE_SUM = PROBE_SIDE ** 3;

function probe(): tf.Scalar {
  return tf.tidy(() => {
    const ones = tf.ones([PROBE_SIDE, PROBE_SIDE]);
    return tf.sum(tf.matMul(ones, ones));
  });
}

const probeFailure = (value: number, how: string) => (value === PROBE_SUM ? null : `${how} of a ${PROBE_SIDE}x${PROBE_SIDE} ones matMul's sum gave ${value}, not ${PROBE_SUM}`);

/** null when the current backend computes the probe and reads it back right with `how`, else why not. */
async function probeFails(how: 'data()' | 'dataSync()'): Promise<string | null> {
  try {
    const sum = probe();
    const value = how === 'data()' ? (await sum.data())[0] : sum.dataSync()[0];
    sum.dispose();
    return probeFailure(value, how);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
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
  if (selected.name === 'webgl' || selected.name === 'webgpu') return `backend: ${selected.name} (GPU; ${selected.reason})`;
  return `backend: ${selected.name} (${selected.threads} thread${selected.threads === 1 ? '' : 's'}; ${selected.reason})`;
}
