/** The parts of the global WebAssembly API used here (the project's TypeScript lib has no DOM types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => object;
}
export const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** A WebAssembly.Memory (opaque here). */
export type WasmMemory = object & { readonly __wasmMemory?: never };

export function isWasmMemory(value: unknown): value is WasmMemory {
  return webAssembly != null && value instanceof webAssembly.Memory;
}
