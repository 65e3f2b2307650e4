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

/** Distance between the per-step seeds of two Dropout layers of one model. */
export const DROPOUT_SEED_STRIDE = 7919;

/**
 * tfjs's Dropout draws from `this.seed` on every call: with a fixed seed it
 * drops the same units in every batch, without one it is not reproducible.
 * Setting a fresh seed per training step (derived from the run seed and the
 * global step) gives fresh, reproducible masks, also across a resume.
 * Dropout layers are counted among themselves, not among all layers, so the
 * FeatureSelect that shrinking puts in front leaves the masks as they were.
 * Worker `worker` offsets them as `workerSeed` does (worker 0: as is).
 */
export function setDropoutSeeds(model: { layers: Array<{ getClassName(): string }> }, seed: number, worker = 0): void {
  let k = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') (layer as unknown as { seed?: number }).seed = workerSeed(seed + k++ * DROPOUT_SEED_STRIDE, worker);
  }
}

/** The seed worker `worker` uses in place of `seed`. */
export function workerSeed(seed: number, worker: number): number {
  return seed + worker * WORKER_SEED_STRIDE;
}
