export { isWasmMatMulPatched, patchWasmMatMul } from './wasm-matmul.js';
export {
  BACKEND_CHOICES,
  describeBackend,
  selectBackend,
  type BackendChoice,
  type SelectedBackend,
} from './select-backend.js';
