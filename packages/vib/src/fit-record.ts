/**
 * Stages of a VIB training run as its records name them. 'recover': the
 * accuracy budget's klFac-0, frozen-mask recovery before a rung is judged.
 */
export type FitPhase = 'warmup' | 'vib' | 'recover' | 'fine-tune';

/** One control point of a VIB training run (the train package's schedule writes them). */
export interface FitRecord {
  phase: FitPhase;
  /** Epochs done so far (fractions at control points within an epoch). */
  progress: number;
  klFac: number;
  /** Mean training loss (task + KL) since the previous record; NaN when no step ran. */
  loss: number;
  compression: number;
  /** Validation accuracy (soft gates as trained), when there is validation data. */
  validationAccuracy: number | null;
  seconds: number;
}
