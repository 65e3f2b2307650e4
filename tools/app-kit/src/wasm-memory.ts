/** Bytes the wasm backend can address: tfjs-backend-wasm 4.x is a 32-bit module with a 4 GiB heap. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;
/** Share of the heap an estimate may fill: the heap also holds the data pipeline's batches and the allocator's slack. */
export const WASM_HEAP_BUDGET = 0.9;

/** The shape of one training step of a (VIB-)LSTM or GRU. */
export interface StepShape {
  batch: number;
  /** Time steps (frames). */
  steps: number;
  /** Input features per time step. */
  features: number;
  units: number;
  /** Gate blocks: 4 for an LSTM (default), 3 for a GRU. */
  gates?: number;
}

const MIB = 2 ** 20;

/**
 * Peak wasm heap of a VIB-LSTM training step with LeanAdam, from the heap's
 * high-water mark after two steps (runtime's matMul and gather patches on):
 *
 * | [batch, steps, features] -> units | measured | this estimate |
 * |---|---|---|
 * | [8, 16, 256] -> 256 | 58 MiB | 81 MiB |
 * | [4, 32, 512] -> 512 | 358 MiB | 395 MiB |
 * | [16, 8, 2048] -> 1024 | 625 MiB | 715 MiB |
 * | [32, 32, 2048] -> 1024 | 1,779 MiB | 2,082 MiB |
 * | [16, 8, 14400] -> 256 | 528 MiB | 608 MiB |
 *
 * Three terms: the weights and their copies (LeanAdam's two moments, the
 * gradient, the matMul route's transposed copies: 7x the weights), about 2.3
 * recurrent kernels per time step (tfjs keeps every step's recurrent-kernel
 * gradient until the backward pass ends, which is why 2,048 units over 32
 * frames, 6.4 GiB, cannot train on wasm while 8 frames can), and about 23
 * floats per input and gate value of every sample and step (activations kept
 * for the backward pass).
 */
export function estimateStepBytes(shape: StepShape): number {
  const gates = shape.gates ?? 4;
  const recurrent = 4 * shape.units * gates * shape.units;
  const weights = 4 * shape.features * gates * shape.units + recurrent;
  const activations = 4 * shape.batch * shape.steps * (gates * shape.units + shape.features);
  return 16 * MIB + 7 * weights + 2.3 * shape.steps * recurrent + 23 * activations;
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);

/**
 * Throws before anything runs when a training step of `shape` cannot fit the
 * wasm heap, naming the shape, the estimate and the flags that make it fit
 * (`flags`: e.g. "--frames 32, --units 2048 or --batch 32"). Other backends
 * have no such limit and pass.
 */
export function assertStepFitsWasm(shape: StepShape, backend: string, flags: string): void {
  if (backend !== 'wasm') return;
  const need = estimateStepBytes(shape);
  if (need <= WASM_HEAP_BUDGET * WASM_HEAP_BYTES) return;
  throw new Error(
    `a training step of [${shape.batch} clips, ${shape.steps} frames, ${shape.features} features] -> ${shape.units} units needs about ` +
      `${gib(need)} GiB on the wasm backend, more than its 4 GiB heap holds: lower ${flags}, or install @tensorflow/tfjs-node, which has no such limit`,
  );
}

/** A run's training step and the CLI flags that size it, for `assertStepFitsWasm` and the out-of-memory advice. */
export function trainingStep(o: { frames: number; units: number; batchSize: number }, features: number): { step: StepShape; flags: string } {
  return {
    step: { batch: o.batchSize, steps: o.frames, features, units: o.units },
    flags: `--frames (${o.frames}), --units (${o.units}) or --batch (${o.batchSize})`,
  };
}

/** True for the ways the wasm backend reports running out of memory (a trap, an abort, a failed heap growth). */
export function isWasmOutOfMemory(error: unknown): boolean {
  return /memory access out of bounds|Aborted\(OOM\)|Cannot enlarge memory|Out of memory|Array buffer allocation failed/i.test(String(error));
}
