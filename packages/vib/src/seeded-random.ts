/**
 * Mulberry32: uniform floats in [0, 1) from a 32-bit seed, the same on every
 * backend and platform (batch orders and data splits must not depend on the
 * backend's RNG). Not for cryptography.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
