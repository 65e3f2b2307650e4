/**
 * The page: picks a backend, runs the "Classify clips" and "Load a compact
 * model" panels, then enables the in-page compression. What it measured is also kept on
 * `window.tfjsCompressWeb` (the browser test reads it there).
 */
import './style.css';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend } from '@tfjs-compress/runtime';
import { startBackend } from './backend.js';
import { setUpCamera, type CameraState } from './camera-panel.js';
import { ClipsPanel, type ClipsResult } from './clips-panel.js';
import { runCompressPanel, type CompressResult } from './compress-panel.js';
import { runLoadPanel, type Loaded, type LoadResult } from './load-panel.js';
import { medianLatency } from './measure.js';

export type PageState = 'starting' | 'loaded' | 'compressing' | 'done' | 'error';

export interface PageHandle {
  tf: typeof tf;
  state: PageState;
  backend: string | null;
  load: LoadResult | null;
  clips: ClipsResult | null;
  /** The camera button's latest window, once it runs. */
  camera: CameraState;
  compress: CompressResult | null;
  error: string | null;
  /** The shipped model and its input, for timing from outside (the test's leak check). */
  shipped: Pick<Loaded, 'model' | 'input'> | null;
  medianLatency: typeof medianLatency;
  /** The clip panel's models and clips, to classify them again from outside (the test's leak check). */
  clipsPanel: ClipsPanel | null;
  /** Runs the in-page compression (the button does the same). */
  compressNow: () => Promise<CompressResult>;
}

declare global {
  interface Window {
    tfjsCompressWeb: PageHandle;
  }
}

const handle: PageHandle = {
  tf,
  state: 'starting',
  backend: null,
  load: null,
  clips: null,
  camera: { running: false, last: null, error: null },
  compress: null,
  error: null,
  shipped: null,
  medianLatency,
  clipsPanel: null,
  compressNow,
};
window.tfjsCompressWeb = handle;

const clipsSection = document.querySelector<HTMLElement>('#clips')!;
const loadPanel = document.querySelector<HTMLElement>('#load')!;
const compressPanel = document.querySelector<HTMLElement>('#compress')!;
const runButton = document.querySelector<HTMLButtonElement>('#run')!;
let stopCamera: (() => void) | null = null;

function fail(panel: HTMLElement, error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  handle.state = 'error';
  handle.error = message;
  const status = panel.querySelector<HTMLElement>('.status')!;
  status.classList.add('error');
  status.textContent = message;
  console.error(message);
}

async function compressNow(): Promise<CompressResult> {
  runButton.disabled = true;
  // The fit moves the page to the wasm backend: no camera window should run meanwhile.
  stopCamera?.();
  handle.state = 'compressing';
  try {
    handle.compress = await runCompressPanel(compressPanel, handle.backend ?? tf.getBackend());
    handle.state = 'done';
    return handle.compress;
  } catch (error) {
    fail(compressPanel, error);
    throw error;
  } finally {
    runButton.disabled = false;
  }
}

async function start(): Promise<void> {
  try {
    const backend = await startBackend(location.search);
    handle.backend = backend.name;
    document.querySelector('#backend')!.textContent = describeBackend(backend).replace(/^backend: /, '');
  } catch (error) {
    fail(loadPanel, error);
    return;
  }
  try {
    const loaded = await runLoadPanel(loadPanel);
    handle.load = loaded.result;
    handle.shipped = { model: loaded.model, input: loaded.input };
  } catch (error) {
    fail(loadPanel, error);
    return;
  }
  // Before the compression is enabled: its fit moves the page to the wasm backend while it trains.
  try {
    handle.clipsPanel = await ClipsPanel.load(clipsSection);
    handle.clips = await handle.clipsPanel.run(handle.backend ?? tf.getBackend());
    stopCamera = setUpCamera(clipsSection, handle.clipsPanel.classifier, handle.clipsPanel.manifest, handle.camera);
  } catch (error) {
    fail(clipsSection, error);
    return;
  }
  handle.state = 'loaded';
  runButton.disabled = false;
  runButton.addEventListener('click', () => void compressNow().catch(() => undefined));
}

void start();
