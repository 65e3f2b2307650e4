/**
 * Adam's element-wise update as a tiny WebAssembly SIMD function that runs on
 * the tfjs wasm backend's own memory (imported), so weights, gradient and
 * moments are read in place. Four float32 lanes per instruction, each
 * operation IEEE float32 like the backend's kernels: bit-identical to the
 * op-by-op route. The module is 260 bytes, assembled below from its
 * instructions rather than shipped as a binary.
 */
import { webAssembly, type WasmMemory } from './wasm-api.js';

/** adam(w, g, m, v, out, n, 1 - beta1, 1 - beta2, epsilonHat, stepSize): byte offsets, n a multiple of 4. */
export type AdamSimd = (w: number, g: number, m: number, v: number, out: number, n: number, a1: number, a2: number, epsilon: number, stepSize: number) => void;

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

/** Unsigned LEB128, the integer encoding of wasm binaries. */
function leb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
const name = (text: string) => [...leb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];

// Instructions (core and SIMD opcodes of the WebAssembly 2.0 spec).
const get = (index: number) => [0x20, index];
const set = (index: number) => [0x21, index];
const simd = (opcode: number) => [0xfd, ...leb(opcode)];
const load = [...simd(0x00), 2, 0]; // v128.load align=4 offset=0
const store = [...simd(0x0b), 2, 0]; // v128.store
const splat = simd(0x13); // f32x4.splat
const sqrt = simd(0xe3);
const add = simd(0xe4);
const sub = simd(0xe5);
const mul = simd(0xe6);
const div = simd(0xe7);
const i32Add = [0x6a];

// Parameters 0-9 as in AdamSimd, then the locals.
const [W, G, M, V, OUT, N, A1, A2, EPS, STEP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [I, END, A1X4, A2X4, EPSX4, STEPX4, GX4, MX4, VX4] = [10, 11, 12, 13, 14, 15, 16, 17, 18];
const at = (base: number) => [...get(base), ...get(I), ...i32Add];

const body = [
  2, 2, I32, 7, V128, // locals: i, end (i32); seven v128
  ...get(A1), ...splat, ...set(A1X4),
  ...get(A2), ...splat, ...set(A2X4),
  ...get(EPS), ...splat, ...set(EPSX4),
  ...get(STEP), ...splat, ...set(STEPX4),
  ...get(N), 0x41, 2, 0x74, ...set(END), // end = n << 2 (bytes)
  0x02, 0x40, 0x03, 0x40, // block, loop
  ...get(I), ...get(END), 0x4f, 0x0d, 1, // if i >= end (unsigned): break
  ...at(G), ...load, ...set(GX4),
  // m = m + (g - m) * (1 - beta1)
  ...at(M), ...load, ...set(MX4),
  ...get(MX4), ...get(GX4), ...get(MX4), ...sub, ...get(A1X4), ...mul, ...add, ...set(MX4),
  ...at(M), ...get(MX4), ...store,
  // v = v + (g * g - v) * (1 - beta2)
  ...at(V), ...load, ...set(VX4),
  ...get(VX4), ...get(GX4), ...get(GX4), ...mul, ...get(VX4), ...sub, ...get(A2X4), ...mul, ...add, ...set(VX4),
  ...at(V), ...get(VX4), ...store,
  // out = w - m / (sqrt(v) + epsilonHat) * stepSize
  ...at(OUT),
  ...at(W), ...load,
  ...get(MX4), ...get(VX4), ...sqrt, ...get(EPSX4), ...add, ...div, ...get(STEPX4), ...mul, ...sub,
  ...store,
  ...get(I), 0x41, 16, ...i32Add, ...set(I), // i += 16 bytes
  0x0c, 0, // continue
  0x0b, 0x0b, 0x0b, // end loop, block, function
];

/** The module, importing a memory of either kind: tfjs's heap is shared in its multi-threaded build. */
const moduleBytes = (sharedMemory: boolean) =>
  new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 10, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, 0]),
    // env.memory: at least 1 page; a shared memory must declare its maximum (65,536 pages, 4 GiB).
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...(sharedMemory ? [0x03, 1, ...leb(65536)] : [0x00, 1])]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('adam'), 0x00, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);

const compiled = new WeakMap<WasmMemory, AdamSimd | null>();

/**
 * The SIMD update bound to `memory` (shared or not), or null when this
 * engine has no wasm SIMD.
 */
export function adamSimd(memory: WasmMemory): AdamSimd | null {
  if (!compiled.has(memory)) {
    let kernel: AdamSimd | null = null;
    for (const shared of [false, true]) {
      try {
        const instance = new webAssembly!.Instance(new webAssembly!.Module(moduleBytes(shared)), { env: { memory } });
        kernel = instance.exports.adam as AdamSimd;
        break;
      } catch {
        // Not this kind of memory, or no SIMD in this engine.
      }
    }
    compiled.set(memory, kernel);
  }
  return compiled.get(memory)!;
}
