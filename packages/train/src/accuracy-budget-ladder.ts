import { InvalidArgumentError, assertBoolean, assertOneOf, assertPositiveInteger, assertRate } from '@tfjs-compress/common';
import {
  clampKlFac,
  decodeNullable,
  decodeNumber,
  decodeNumbers,
  encodeNumber,
  klSteps,
  measuredCompression,
  stateFields,
  type KlStepArgs,
  type StateNumber,
} from './controller-shared.js';

/** Compression factor of one rung of the ladder (compress this much, then judge). */
export const DEFAULT_BUDGET_RUNG = 1.5;
/** Control steps of frozen-mask recovery before a rung is judged (the accuracy-budget policy passes `controlsPerEpoch`: one epoch). */
export const DEFAULT_RECOVERY_STEPS = 4;
/**
 * Rejections that end pruning. Letting the ladder go on after the second
 * (MNIST, pre-trained) used the remaining 15 epochs on rungs that were all
 * rejected: the same result in 1.75x the time, on two seeds.
 */
export const DEFAULT_MAX_REJECTIONS = 2;
/** The rung shrinks to its square root after each rejection, but not below this. */
export const MIN_BUDGET_RUNG = 1.1;
/**
 * A state judged short of the budget gets a second recovery window only if it
 * missed by at most this many budgets more; one further short is rejected at
 * once (a second window does not close such a gap).
 */
export const EXTENSION_MARGIN = 1;

export interface AccuracyBudget {
  /** Largest accuracy drop below the reference, in [0, 1). */
  maxAccuracyDrop: number;
  /** The accuracy the drop is measured from, in [0, 1]. */
  referenceAccuracy: number;
}

export interface AccuracyBudgetLadderArgs extends KlStepArgs {
  /** Compression factor per rung, a finite number > 1. Default: 1.5. */
  rung?: number;
  /** Frozen-mask recovery steps before a rung is judged, a positive integer. Default: 4. */
  recoverySteps?: number;
  /** The rejection that ends pruning, a positive integer or Infinity. Default: 2. */
  maxRejections?: number;
  /** Keep the reference where it was given instead of raising it to higher judged accuracies. Default: false. */
  fixedReference?: boolean;
}

/**
 * 'compress' trains with klFac > 0 until the compression has grown by a rung;
 * 'recover' trains with the masks frozen (klFac 0, hard masks: the model
 * `compact` reproduces) and then judges it; 'done' means the budget failed
 * `maxRejections` times and pruning is over.
 */
export type LadderPhase = 'compress' | 'recover' | 'done';

/**
 * What the last `update` decided about the state it measured: 'accepted'
 * (recovered within the budget: keep it), 'rejected' (outside it: go back to
 * the last accepted state), or null.
 */
export type LadderVerdict = 'accepted' | 'rejected' | null;

/** Everything the ladder changes while it runs, JSON-safe, so a killed run resumes it exactly. */
export interface AccuracyBudgetLadderState {
  kind: 'AccuracyBudgetLadder';
  version: 1;
  rung: StateNumber;
  /** The klFac compression resumes with (kept while recovering, when the `klFac` getter is 0). */
  klFac: StateNumber;
  previous: StateNumber | null;
  phase: LadderPhase;
  verdict: LadderVerdict;
  accepted: { compression: StateNumber; klFac: StateNumber };
  recoveryAccuracies: StateNumber[];
  klAccuracies: StateNumber[];
  extended: boolean;
  rejections: number;
  judged: StateNumber | null;
  rejected: StateNumber[];
  referenceAccuracy: StateNumber;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Compresses as far as an accuracy budget allows, up a ladder of verified
 * states. klFac grows by `growth` per step unless the compression already
 * climbs a rung per `recoverySteps` steps (then it holds), until the
 * compression has grown by `rung` since the last accepted state. If the mean
 * accuracy of the last two steps is within the budget even under KL pressure,
 * the rung is accepted at once. Otherwise klFac drops to 0 and the masks are
 * frozen for `recoverySteps` steps (a short fine-tune of the hard-mask
 * model). With a fixed reference, if the mean accuracy of the first half of
 * those steps is already within the budget, the state is accepted then;
 * otherwise it is judged by
 * the mean of the last half: within `maxAccuracyDrop` of the reference it is
 * accepted (and raises the reference if higher) and compression resumes one
 * klFac step lower; a state that missed by at most one more budget gets a
 * second window, and a state that fails that too, or missed by more, is
 * rejected: the caller restores the last accepted state and the ladder goes
 * on with a rung of sqrt(rung) (not below 1.1). The `maxRejections`-th
 * rejection ends pruning. Rejected states beyond the last accepted one stay
 * `candidates` (the schedule's candidate trial judges the nearest again after
 * part of the fine-tune).
 *
 * It judges after a recovery because the noisy, KL-pressed model sits 3 to 5
 * points below what fine-tuning with frozen masks recovers (sequential
 * MNIST): judging during the KL stage stopped early.
 */
export class AccuracyBudgetLadder {
  readonly maxAccuracyDrop: number;
  readonly growth: number;
  readonly recoverySteps: number;
  readonly maxRejections: number;
  readonly fixedReference: boolean;
  private reference: number;
  private rungValue: number;
  private klFacValue: number;
  private previous: number | null = null;
  private phaseValue: LadderPhase = 'compress';
  private verdictValue: LadderVerdict = null;
  /** The last accepted state (the start counts: nothing pruned, at the reference). */
  private accepted: { compression: number; klFac: number };
  private recoveryAccuracies: number[] = [];
  /** The last two accuracies of the KL stage (noisy, KL-pressed: a pessimistic estimate). */
  private klAccuracies: number[] = [];
  private extended = false;
  private rejections = 0;
  private judged: number | null = null;
  private rejected: number[] = [];

  constructor(budget: AccuracyBudget, args: AccuracyBudgetLadderArgs = {}) {
    assertRate(budget.maxAccuracyDrop, 'maxAccuracyDrop');
    assertRate(budget.referenceAccuracy, 'referenceAccuracy');
    this.maxAccuracyDrop = budget.maxAccuracyDrop;
    this.reference = budget.referenceAccuracy;
    const steps = klSteps(args);
    this.klFacValue = steps.startKlFac;
    this.growth = steps.growth;
    this.accepted = { compression: 1, klFac: steps.startKlFac };
    this.rungValue = args.rung ?? DEFAULT_BUDGET_RUNG;
    this.recoverySteps = args.recoverySteps ?? DEFAULT_RECOVERY_STEPS;
    this.maxRejections = args.maxRejections ?? DEFAULT_MAX_REJECTIONS;
    this.fixedReference = args.fixedReference ?? false;
    if (!(this.rungValue > 1) || !Number.isFinite(this.rungValue)) throw new InvalidArgumentError('rung', this.rungValue, 'a finite number > 1');
    assertPositiveInteger(this.recoverySteps, 'recoverySteps');
    if (this.maxRejections !== Infinity) assertPositiveInteger(this.maxRejections, 'maxRejections');
  }

  /** The klFac to train with now (0 while recovering or done). */
  get klFac(): number {
    return this.phaseValue === 'compress' ? this.klFacValue : 0;
  }

  get phase(): LadderPhase {
    return this.phaseValue;
  }

  /** The decision of the last `update` about the state it measured. */
  get verdict(): LadderVerdict {
    return this.verdictValue;
  }

  /** The accuracy the last judgement was made on (null before the first). */
  get judgedAccuracy(): number | null {
    return this.judged;
  }

  /** The accuracy the budget is measured from. */
  get referenceAccuracy(): number {
    return this.reference;
  }

  /** The current rung (shrinks to its square root after a rejection). */
  get rung(): number {
    return this.rungValue;
  }

  /**
   * How far the current recovery window is, as control steps done of
   * `recoverySteps` (null unless recovering). The schedule anneals the
   * learning rate over the window so that its judged end is a settled model.
   */
  get recoveryWindow(): { done: number; steps: number } | null {
    return this.phaseValue === 'recover' ? { done: this.recoveryAccuracies.length, steps: this.recoverySteps } : null;
  }

  /**
   * The compressions of the rejected states beyond the last accepted one,
   * most compressed first. They were judged after one or two recovery
   * windows, and a large step may need more.
   */
  get candidates(): number[] {
    return this.rejected.filter((c) => c > this.accepted.compression).sort((a, b) => b - a);
  }

  /** The compression of the last accepted state (1 until one is). */
  get acceptedCompression(): number {
    return this.accepted.compression;
  }

  /** True when a state judged at `accuracy` is within the budget. */
  within(accuracy: number): boolean {
    return accuracy >= this.reference - this.maxAccuracyDrop;
  }

  /**
   * Recover and judge now, whatever the compression (e.g. when the epochs are
   * about to run out). No-op unless compressing beyond the last accepted state.
   */
  judgeNow(compression: number): void {
    if (this.phaseValue !== 'compress' || !(compression > this.accepted.compression)) return;
    this.startRecovery();
  }

  /** Raises the reference to `accuracy` if higher (unless `fixedReference`): a model still learning is held to its best, not its first. */
  raiseReference(accuracy: number): void {
    if (!this.fixedReference) this.reference = Math.max(this.reference, accuracy);
  }

  /** Feeds one measurement (compression and validation accuracy); returns the klFac to train with until the next, and updates `phase` and `verdict`. */
  update(signal: { compression: number; accuracy: number }): number {
    this.verdictValue = null;
    if (typeof signal.accuracy !== 'number') throw new InvalidArgumentError('accuracy', signal.accuracy, 'a validation accuracy');
    const compression = measuredCompression(signal.compression);
    const accuracy = signal.accuracy;
    if (this.phaseValue === 'done') return 0;
    return this.phaseValue === 'compress' ? this.compressStep(compression, accuracy) : this.recoverStep(compression, accuracy);
  }

  private compressStep(compression: number, accuracy: number): number {
    this.klAccuracies.push(accuracy);
    if (this.klAccuracies.length > 2) this.klAccuracies.shift();
    const climbing = this.previous != null && compression >= this.previous * this.rungValue ** (1 / this.recoverySteps);
    this.previous = compression;
    if (compression >= this.accepted.compression * this.rungValue) {
      // Even the noisy, KL-pressed model is within the budget: no recovery needed to judge it.
      const recent = mean(this.klAccuracies);
      if (this.klAccuracies.length === 2 && this.within(recent)) {
        this.accept(compression, recent, this.klFacValue);
        return this.klFacValue;
      }
      this.startRecovery();
      return 0;
    }
    // Grow unless pruning already climbs a rung per recovery window; hold while it does.
    if (!climbing) this.klFacValue = clampKlFac(this.klFacValue * this.growth);
    return this.klFacValue;
  }

  private recoverStep(compression: number, accuracy: number): number {
    this.recoveryAccuracies.push(accuracy);
    const half = Math.ceil(this.recoverySteps / 2);
    // Within a fixed reference's budget after the first, less recovered half:
    // the rest of the window can only confirm it. A rising reference waits
    // for the later half, which is what raises it (else it stays low and
    // lets a from-scratch model fall behind what it would have reached).
    if (this.fixedReference && this.recoveryAccuracies.length === half && half < this.recoverySteps) {
      const early = mean(this.recoveryAccuracies);
      if (this.within(early)) {
        this.accept(compression, early, this.klFacValue / this.growth);
        return this.klFacValue;
      }
    }
    if (this.recoveryAccuracies.length < this.recoverySteps) return 0;
    // The accuracy still rises during recovery: judge on the later half.
    const judged = mean(this.recoveryAccuracies.slice(-half));
    this.judged = judged;
    this.recoveryAccuracies = [];
    if (this.within(judged)) {
      this.accept(compression, judged, this.klFacValue / this.growth);
      return this.klFacValue;
    }
    if (!this.extended && judged >= this.reference - (1 + EXTENSION_MARGIN) * this.maxAccuracyDrop) {
      this.extended = true;
      return 0;
    }
    return this.reject(compression);
  }

  private accept(compression: number, judged: number, klFac: number): void {
    this.verdictValue = 'accepted';
    this.judged = judged;
    this.raiseReference(judged);
    this.accepted = { compression, klFac: this.klFacValue };
    this.phaseValue = 'compress';
    this.extended = false;
    this.previous = compression;
    this.klAccuracies = [];
    this.recoveryAccuracies = [];
    this.klFacValue = clampKlFac(klFac);
  }

  private reject(compression: number): number {
    this.verdictValue = 'rejected';
    this.extended = false;
    this.rejections++;
    this.rejected.push(compression);
    if (this.rejections >= this.maxRejections) {
      this.phaseValue = 'done';
      return 0;
    }
    // Back to the accepted state (the caller restores its weights), with a finer rung and a lower klFac.
    this.rungValue = Math.max(Math.min(this.rungValue, MIN_BUDGET_RUNG), Math.sqrt(this.rungValue));
    this.phaseValue = 'compress';
    this.previous = this.accepted.compression;
    this.klAccuracies = [];
    this.klFacValue = clampKlFac(this.accepted.klFac / this.growth);
    return this.klFacValue;
  }

  private startRecovery(): void {
    this.phaseValue = 'recover';
    this.recoveryAccuracies = [];
    this.klAccuracies = [];
    this.extended = false;
  }

  getState(): AccuracyBudgetLadderState {
    return {
      kind: 'AccuracyBudgetLadder',
      version: 1,
      rung: encodeNumber(this.rungValue),
      klFac: encodeNumber(this.klFacValue),
      previous: this.previous === null ? null : encodeNumber(this.previous),
      phase: this.phaseValue,
      verdict: this.verdictValue,
      accepted: { compression: encodeNumber(this.accepted.compression), klFac: encodeNumber(this.accepted.klFac) },
      recoveryAccuracies: this.recoveryAccuracies.map(encodeNumber),
      klAccuracies: this.klAccuracies.map(encodeNumber),
      extended: this.extended,
      rejections: this.rejections,
      judged: this.judged === null ? null : encodeNumber(this.judged),
      rejected: this.rejected.map(encodeNumber),
      referenceAccuracy: encodeNumber(this.reference),
    };
  }

  /**
   * Restores a `getState` result into a ladder built with the same budget and
   * args. Everything is checked before anything is set, so a malformed state
   * throws and leaves the ladder as it was.
   */
  setState(state: AccuracyBudgetLadderState): void {
    const s = stateFields<AccuracyBudgetLadderState>(state, 'AccuracyBudgetLadder', 1);
    assertOneOf(s.phase, ['compress', 'recover', 'done'] as const, 'state.phase');
    if (s.verdict !== null && s.verdict !== 'accepted' && s.verdict !== 'rejected') {
      throw new InvalidArgumentError('state.verdict', s.verdict, "'accepted', 'rejected' or null");
    }
    assertBoolean(s.extended, 'state.extended');
    if (typeof s.rejections !== 'number' || !Number.isInteger(s.rejections) || s.rejections < 0) {
      throw new InvalidArgumentError('state.rejections', s.rejections, 'an integer >= 0');
    }
    if (s.accepted == null || typeof s.accepted !== 'object') throw new InvalidArgumentError('state.accepted', s.accepted, 'an object { compression, klFac }');
    const accepted = s.accepted as Record<string, unknown>;
    const decoded = {
      reference: decodeNumber(s.referenceAccuracy, 'state.referenceAccuracy'),
      rung: decodeNumber(s.rung, 'state.rung'),
      klFac: decodeNumber(s.klFac, 'state.klFac'),
      previous: decodeNullable(s.previous, 'state.previous'),
      accepted: { compression: decodeNumber(accepted.compression, 'state.accepted.compression'), klFac: decodeNumber(accepted.klFac, 'state.accepted.klFac') },
      recoveryAccuracies: decodeNumbers(s.recoveryAccuracies, 'state.recoveryAccuracies'),
      klAccuracies: decodeNumbers(s.klAccuracies, 'state.klAccuracies'),
      judged: decodeNullable(s.judged, 'state.judged'),
      rejected: decodeNumbers(s.rejected, 'state.rejected'),
    };
    this.reference = decoded.reference;
    this.rungValue = decoded.rung;
    this.klFacValue = decoded.klFac;
    this.previous = decoded.previous;
    this.phaseValue = s.phase;
    this.verdictValue = s.verdict;
    this.accepted = decoded.accepted;
    this.recoveryAccuracies = decoded.recoveryAccuracies;
    this.klAccuracies = decoded.klAccuracies;
    this.extended = s.extended;
    this.rejections = s.rejections;
    this.judged = decoded.judged;
    this.rejected = decoded.rejected;
  }
}
