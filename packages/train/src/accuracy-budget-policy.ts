import { AccuracyBudgetLadder, type AccuracyBudgetLadderArgs, type AccuracyBudgetLadderState } from './accuracy-budget-ladder.js';
import { InvalidArgumentError, assertRate } from '@tfjs-compress/common';
import type { ControlSignal, KlPolicy, PolicyAction, PolicyStart } from './kl-policy.js';

/** The accuracy budget used when validation data is given and no target is. */
export const DEFAULT_MAX_ACCURACY_DROP = 0.01;

export interface AccuracyBudgetArgs {
  /** Largest validation accuracy drop (a fraction: 0.01 is one point) below the reference, in [0, 1). Default: 0.01. */
  maxAccuracyDrop?: number;
  /**
   * The accuracy the budget is measured from. Default: a model that arrives
   * trained is held to its arrival accuracy; otherwise the mean over the
   * warm-up's last epoch, raised by every higher judged accuracy.
   */
  referenceAccuracy?: number;
  /** Keep rejected rungs as candidates for a second judgement in the fine-tune (the schedule's candidate trial). Default: true. */
  keepCandidates?: boolean;
  /** Tuning of the ladder. Default: its defaults, with one epoch of recovery per rung. */
  controller?: AccuracyBudgetLadderArgs;
}

/** What the ladder was built from when the VIB stage began. */
interface LadderStart {
  referenceAccuracy: number;
  recoverySteps: number;
  fixedReference: boolean;
}

/**
 * Compresses as far as the validation accuracy allows: a ladder of rungs
 * (`AccuracyBudgetLadder`), each judged after a short frozen-mask recovery
 * against the reference, accepted states kept, rejected ones rolled back.
 * The last accepted state is fine-tuned.
 */
export class AccuracyBudgetPolicy implements KlPolicy {
  readonly kind = 'accuracy-budget' as const;
  readonly needsValidation = true;
  readonly reached = true;
  readonly maxAccuracyDrop: number;
  private controller: AccuracyBudgetLadder | null = null;
  private start: LadderStart | null = null;

  constructor(private readonly args: AccuracyBudgetArgs = {}) {
    this.maxAccuracyDrop = args.maxAccuracyDrop ?? DEFAULT_MAX_ACCURACY_DROP;
    assertRate(this.maxAccuracyDrop, 'maxAccuracyDrop');
    if (args.referenceAccuracy != null) assertRate(args.referenceAccuracy, 'referenceAccuracy');
  }

  get recovering(): boolean {
    return this.controller?.phase === 'recover';
  }

  get recoveryWindow(): { done: number; steps: number } | null {
    return this.controller?.recoveryWindow ?? null;
  }

  get referenceAccuracy(): number | null {
    return this.controller?.referenceAccuracy ?? null;
  }

  /** The ladder (null before the VIB stage). */
  get ladder(): AccuracyBudgetLadder | null {
    return this.controller;
  }

  begin(start: PolicyStart): PolicyAction {
    const warm = start.warmupAccuracies;
    const warmMean = warm.length > 0 ? warm.reduce((a, b) => a + b, 0) / warm.length : start.accuracy;
    const referenceAccuracy = this.args.referenceAccuracy ?? start.trainedArrival ?? warmMean;
    if (referenceAccuracy == null) throw new Error('AccuracyBudgetPolicy: no validation data to measure the reference accuracy on');
    // A trained arrival is held to the user's model: raising its reference
    // to the best judged accuracy ratchets it up on noise.
    this.build({ referenceAccuracy, recoverySteps: start.controlsPerEpoch, fixedReference: start.trainedArrival != null });
    // The trained, unpruned state is the first rung of the ladder.
    return { keep: true };
  }

  private build(start: LadderStart): AccuracyBudgetLadder {
    this.start = start;
    this.controller = new AccuracyBudgetLadder(
      { maxAccuracyDrop: this.maxAccuracyDrop, referenceAccuracy: start.referenceAccuracy },
      { recoverySteps: start.recoverySteps, fixedReference: start.fixedReference, ...this.args.controller },
    );
    return this.controller;
  }

  getState(): { start: LadderStart; ladder: AccuracyBudgetLadderState } | null {
    return this.start && this.controller ? { start: { ...this.start }, ladder: this.controller.getState() } : null;
  }

  setState(state: unknown): void {
    if (state == null) return;
    const s = state as { start?: LadderStart; ladder?: AccuracyBudgetLadderState };
    if (typeof s.start?.referenceAccuracy !== 'number' || s.ladder == null) {
      throw new InvalidArgumentError('state', state, "AccuracyBudgetPolicy.getState()'s value");
    }
    this.build(s.start).setState(s.ladder);
  }

  klFac(): number {
    return this.controller?.klFac ?? 0;
  }

  control(signal: ControlSignal): PolicyAction {
    const ladder = this.controller!;
    if (signal.accuracy == null) throw new Error('AccuracyBudgetPolicy: a control point without a validation accuracy');
    ladder.update({ compression: signal.compression, accuracy: signal.accuracy });
    const action: PolicyAction = {};
    if (ladder.verdict === 'accepted') action.keep = true;
    if (ladder.verdict === 'rejected') {
      // A short recovery may not be enough for a large step: judged again after the fine-tune.
      action.candidate = this.args.keepCandidates !== false;
      action.restore = true;
    }
    if (ladder.phase === 'done') return { ...action, done: true };
    // Judge what the last rung reached while one recovery still fits.
    if (signal.stepsLeft === ladder.recoverySteps) ladder.judgeNow(signal.compression);
    return action;
  }

  finish(last: ControlSignal | null): PolicyAction {
    const ladder = this.controller;
    // The epochs ran out while a rung was still being recovered: it is a candidate too.
    const unjudged = ladder?.phase === 'recover' && last != null && last.compression > ladder.acceptedCompression;
    return { candidate: this.args.keepCandidates !== false && unjudged, restore: true };
  }

  /** The compression of the last accepted state (1 before any). */
  get acceptedCompression(): number {
    return this.controller?.acceptedCompression ?? 1;
  }

  /** True when a state judged at `accuracy` is within the budget. */
  within(accuracy: number): boolean {
    return this.controller?.within(accuracy) ?? false;
  }

  acceptsCandidate(compression: number, accuracy: number): boolean {
    return compression > this.acceptedCompression && this.within(accuracy);
  }
}
