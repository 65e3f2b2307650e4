/**
 * The backends this page ships, and the choice among them: `selectBackend`
 * from @tfjs-compress/runtime picks webgpu, else webgl, else wasm, else cpu
 * among those that compute and read back right, synchronously too (a software
 * WebGPU adapter's dataSync gives zeros; `model.fit` and `compact` read that
 * way). `?backend=webgpu` (or webgl, wasm, cpu) forces one.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BROWSER_BACKEND_CHOICES, selectBackend, type BackendChoice, type SelectedBackend } from '@tfjs-compress/runtime';
// The bundler copies the three builds of the wasm backend into the page's assets and gives their URLs.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});

export function requestedBackend(search: string): BackendChoice {
  const requested = new URLSearchParams(search).get('backend') ?? 'auto';
  return BROWSER_BACKEND_CHOICES.includes(requested as BackendChoice) ? (requested as BackendChoice) : 'auto';
}

export function startBackend(search: string): Promise<SelectedBackend> {
  return selectBackend(requestedBackend(search));
}
