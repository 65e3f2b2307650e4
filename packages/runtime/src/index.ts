export { DEFAULT_INNER_CHUNK_BYTES, isWasmMatMulPatched, patchWasmMatMul, type WasmMatMulOptions } from './wasm-matmul.js';
export { isWasmGatherPatched, patchWasmGather } from './wasm-gather.js';
export { registerWasmSegmentSum } from './wasm-segment-sum.js';
export {
  BACKEND_CHOICES,
  BROWSER_BACKEND_CHOICES,
  describeBackend,
  selectBackend,
  type BackendChoice,
  type SelectedBackend,
} from './select-backend.js';
export { rawStorage, type RawStorage } from './raw-storage.js';
export { fusedAdamStep, type AdamCoefficients } from './fused-adam.js';
