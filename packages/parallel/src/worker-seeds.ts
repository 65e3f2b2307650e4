/** Distance between the seeds of two workers (a prime far above the per-layer offsets vib uses). */
export const WORKER_SEED_STRIDE = 1_000_003;

/** Offset between the seeds of layers that had none, when a base `seed` is given. */
export const LAYER_SEED_STRIDE = 10_007;

/**
 * Returns a copy of a model topology (the JSON `model.save` writes) whose
 * `seed` fields are distinct per worker: worker i uses `seed + i * stride`,
 * so gate noise and dropout differ between workers (as they would between the
 * rows of one big batch) yet a run is reproducible for a given seed and
 * worker count. Worker 0 keeps the model's own seeds, so one worker draws
 * exactly what the single-process model draws. Unseeded fields get
 * `baseSeed + k * LAYER_SEED_STRIDE` (k counts them) when `baseSeed` is given
 * and stay unseeded otherwise.
 */
export function reseedTopology(topology: unknown, worker: number, baseSeed?: number): unknown {
  let unseeded = 0;
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value == null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === 'seed' && (typeof child === 'number' || child == null)) {
        const own = typeof child === 'number' ? child : baseSeed === undefined ? undefined : baseSeed + unseeded++ * LAYER_SEED_STRIDE;
        out[key] = own === undefined ? child : workerSeed(own, worker);
      } else out[key] = visit(child);
    }
    return out;
  };
  return visit(topology);
}

/** The seed worker `worker` uses in place of `seed`. */
export function workerSeed(seed: number, worker: number): number {
  return seed + worker * WORKER_SEED_STRIDE;
}
