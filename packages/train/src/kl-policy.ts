/** One measurement at a control point of the VIB stage. */
export interface ControlSignal {
  /** Epochs of the whole fit done so far (fractions at control points). */
  progress: number;
  /** Compression of the gated recurrent layers by the current masks. */
  compression: number;
  /** Validation accuracy, or null without validation data. */
  accuracy: number | null;
  /** Control points left in the VIB stage after this one. */
  stepsLeft: number;
}

/** What the callback does with the model after a control point. */
export interface PolicyAction {
  /** Copy the weights as they are now: the state to fine-tune unless a better one comes. */
  keep?: boolean;
  /** Keep a copy as a candidate to judge again after a full fine-tune (accuracy budget). */
  candidate?: boolean;
  /** Write the kept state back into the model. */
  restore?: boolean;
  /** Pruning is over: the VIB stage ends now. */
  done?: boolean;
}

/** What a policy knows when the VIB stage begins (after the warm-up). */
export interface PolicyStart {
  compression: number;
  /** Validation accuracies of the warm-up's last epoch of control points (empty without validation data or warm-up). */
  warmupAccuracies: readonly number[];
  /** Validation accuracy of the model as it arrived, when it counts as trained (accuracy budget). */
  trainedArrival: number | null;
  /** Control points per epoch. */
  controlsPerEpoch: number;
  /** Validation accuracy now, measured only when the policy needs validation and the warm-up gave none (else null). */
  accuracy: number | null;
}

export type PolicyKind = 'fixed' | 'target-compression' | 'accuracy-budget';

/**
 * How klFac moves during the VIB stage, and which state is fine-tuned. The
 * callback asks `klFac(progress)` before every batch, tells the policy what it
 * measured at every control point, and carries out the returned action on the
 * model; `recovering` freezes the masks (hard, no KL) while it is true.
 */
export interface KlPolicy {
  readonly kind: PolicyKind;
  /** True when `control` needs validation accuracies. */
  readonly needsValidation: boolean;
  /** Masks frozen (hard 0/1, no KL) for the next batches. */
  readonly recovering: boolean;
  /**
   * While recovering in windows that end in a judgement: control points done
   * of the window's `steps` (the schedule anneals the learning rate over it).
   * Absent or null otherwise.
   */
  readonly recoveryWindow?: { done: number; steps: number } | null;
  begin(start: PolicyStart): PolicyAction;
  klFac(progress: number): number;
  control(signal: ControlSignal): PolicyAction;
  /** The VIB stage is over (epochs ran out or `done`): what to do before the fine-tune. */
  finish(last: ControlSignal | null): PolicyAction;
  /** Whether the kept state meets the policy's aim (true for a fixed ramp). */
  readonly reached: boolean;
  /** The accuracy an accuracy budget is measured from (null for the others). */
  readonly referenceAccuracy: number | null;
  /**
   * Whether a candidate (a state rejected after its short recovery, kept at
   * `compression`) is acceptable after part of the fine-tune, judged at
   * `accuracy`. Policies without it get no candidate trial.
   */
  acceptsCandidate?(compression: number, accuracy: number): boolean;
  /** JSON-safe state for a checkpoint (needed to resume a run mid-way). */
  getState?(): unknown;
  /** Restores `getState`'s value into a policy built with the same arguments. */
  setState?(state: unknown): void;
}
