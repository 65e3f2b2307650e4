import { InvalidArgumentError, assertBoolean, assertOneOf, assertPositive, assertPositiveInteger, assertRate } from '@tfjs-compress/common';

/** klFac the controller starts from once the warm-up is over. */
export const DEFAULT_CONTROLLER_START_KL_FAC = 1e-4;
/** Largest factor by which klFac may grow in one control step. */
export const DEFAULT_CONTROLLER_GROWTH = 1.5;
/** Gain on the log error ln(target / current) in the compression controller. */
export const DEFAULT_CONTROLLER_GAIN = 0.5;
/** Damping on the log rate of change of the compression (slows klFac while it climbs fast). */
export const DEFAULT_CONTROLLER_DAMPING = 2;
/** Relative band around the target counted as "reached". */
export const DEFAULT_TARGET_TOLERANCE = 0.2;
/** Accuracy budget: compression factor of one rung of the ladder (compress this much, then judge). */
export const DEFAULT_BUDGET_RUNG = 1.5;
/** Accuracy budget: control steps of frozen-mask recovery before a rung is judged (the train package's accuracy-budget policy: one epoch). */
export const DEFAULT_RECOVERY_STEPS = 4;
/**
 * Accuracy budget: rejections that end pruning. Letting the ladder go on
 * after the second (MNIST, pre-trained, with `rejudgeRejected`) used the
 * remaining 15 epochs on rungs that were all rejected: the same result in
 * 1.75x the time, on two seeds.
 */
export const DEFAULT_MAX_REJECTIONS = 2;
/** Accuracy budget: the rung shrinks to its square root after each rejection, but not below this. */
export const MIN_BUDGET_RUNG = 1.1;
/** Compressions above this (Infinity: everything pruned) count as this in the controller's arithmetic. */
export const MAX_MEASURED_COMPRESSION = 1e9;
/** klFac is kept inside [min, max]. */
export const CONTROLLER_KL_FAC_RANGE: readonly [number, number] = [1e-9, 10];

export type ControllerTarget = { targetCompression: number } | { maxAccuracyDrop: number; referenceAccuracy: number };

export interface ControllerSignal {
  /** Current compression ratio (>= 1). */
  compression: number;
  /** Current validation accuracy in [0, 1] (needed with `maxAccuracyDrop`). */
  accuracy?: number;
}

/**
 * Accuracy budget: 'compress' trains with klFac > 0 until the compression has
 * grown by a rung; 'recover' trains with the masks frozen (klFac 0, hard
 * masks: the model `compact` reproduces) and then judges it; 'done' means
 * the budget failed `maxRejections` times and pruning is over.
 */
export type ControllerPhase = 'compress' | 'recover' | 'done';

/**
 * What the last `update` decided about the state it measured: 'accepted'
 * (recovered within the budget: keep it), 'rejected' (outside it after the
 * longest recovery: go back to the last accepted state), or null.
 */
export type ControllerVerdict = 'accepted' | 'rejected' | null;

export interface CompressionControllerArgs {
  /** klFac of the first control step, > 0. Default: 1e-4. */
  startKlFac?: number;
  /** Largest per-step growth of klFac, > 1. Default: 1.5. */
  growth?: number;
  /** Gain on ln(target / compression). Default: 0.5. */
  gain?: number;
  /** Damping on ln(compression / previous compression). Default: 2. */
  damping?: number;
  /** Relative tolerance around the target compression. Default: 0.2. */
  tolerance?: number;
  /** Accuracy budget: compression factor per rung of the ladder, > 1. Default: 1.5. */
  rung?: number;
  /** Accuracy budget: frozen-mask recovery steps before a rung is judged, a positive integer. Default: 4 (the train package's policy: `controlsPerEpoch`). */
  recoverySteps?: number;
  /** Accuracy budget: the rejection that ends pruning, a positive integer or Infinity. Default: 2. */
  maxRejections?: number;
  /**
   * Accuracy budget: keep the reference where it was given instead of
   * raising it to higher judged accuracies. Default: false (the train package's
   * policy: true for a model that arrives trained).
   */
  fixedReference?: boolean;
}

/**
 * A number as a controller state stores it. JSON.stringify turns Infinity and
 * NaN into null and -0 into 0, so those travel as strings to round-trip exactly.
 */
export type StateNumber = number | 'Infinity' | '-Infinity' | 'NaN' | '-0';

/**
 * Everything a controller changes while it runs, JSON-safe (`getState`), so a
 * killed training run can resume it (`setState`) exactly where it was.
 */
export interface CompressionControllerState {
  version: 1;
  rung: StateNumber;
  /** The klFac compression resumes with (kept while recovering, when the `klFac` getter is 0). */
  klFac: StateNumber;
  previous: StateNumber | null;
  phase: ControllerPhase;
  verdict: ControllerVerdict;
  accepted: { compression: StateNumber; klFac: StateNumber };
  recoveryAccuracies: StateNumber[];
  klAccuracies: StateNumber[];
  extended: boolean;
  rejections: number;
  judged: StateNumber | null;
  rejected: StateNumber[];
  /** The budget's reference (`raiseReference` moves it); null for a compression target. */
  referenceAccuracy: StateNumber | null;
}

const SPECIAL_NUMBERS: readonly string[] = ['Infinity', '-Infinity', 'NaN', '-0'];

function encodeNumber(value: number): StateNumber {
  if (Object.is(value, -0)) return '-0';
  return Number.isFinite(value) ? value : (String(value) as StateNumber);
}

function decodeNumber(value: unknown, option: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && SPECIAL_NUMBERS.includes(value)) return Number(value);
  throw new InvalidArgumentError(option, value, `a number or one of ${SPECIAL_NUMBERS.map((s) => `'${s}'`).join(', ')}`);
}

function decodeNullable(value: unknown, option: string): number | null {
  return value === null ? null : decodeNumber(value, option);
}

function decodeNumbers(value: unknown, option: string): number[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(option, value, 'an array of numbers');
  return value.map((v, i) => decodeNumber(v, `${option}[${i}]`));
}

/**
 * Adjusts klFac from a measured signal, one control step at a time.
 *
 * Target compression: klFac moves in log space by
 * `gain * ln(target / c) - damping * ln(c / c_prev)`, clamped to
 * [1/growth^2, growth] per step. Pruning is nearly one-way (once mu is small
 * the KL gradient vanishes and the unit rarely reopens), so the damping term
 * brakes while the compression is still climbing, before it overshoots.
 *
 * Accuracy budget: a ladder of verified states. klFac grows by `growth` per
 * step unless the compression already climbs a rung per `recoverySteps`
 * steps (then it holds), until the compression has grown by `rung` since the
 * last accepted state. If the mean accuracy of the last two steps is within
 * the budget even under KL pressure, the rung is accepted at once. Otherwise
 * klFac drops to 0 and the masks are frozen for `recoverySteps` steps (a short
 * fine-tune of the hard-mask model), and the state is judged by the mean
 * accuracy of the last half of those steps: within `maxAccuracyDrop` of the
 * reference it is accepted (and raises the reference if higher) and
 * compression resumes one klFac step lower; otherwise recovery gets a second
 * window, and if that fails too the state is rejected: the caller restores the
 * last accepted state and the ladder goes on with a rung of sqrt(rung) (not
 * below 1.1). The `maxRejections`-th rejection (default: the second) ends
 * pruning. Rejected states beyond the last accepted one
 * stay `candidates` (the train package's candidate trial judges the most
 * compressed again after part of the fine-tune).
 * Judging the accuracy during the KL stage
 * instead stopped early: the noisy, KL-pressed model sits 3 to 5 points below
 * what fine-tuning with frozen masks recovers on MNIST.
 */
export class CompressionController {
  readonly target: ControllerTarget;
  readonly growth: number;
  readonly gain: number;
  readonly damping: number;
  readonly tolerance: number;
  readonly recoverySteps: number;
  readonly maxRejections: number;
  readonly fixedReference: boolean;
  private rungValue: number;
  private klFacValue: number;
  private previous: number | null = null;
  private phaseValue: ControllerPhase = 'compress';
  private verdictValue: ControllerVerdict = null;
  /** Accuracy budget: the last accepted state (the start counts: nothing pruned, at the reference). */
  private accepted = { compression: 1, klFac: 0 };
  private recoveryAccuracies: number[] = [];
  /** The last two accuracies of the KL stage (noisy, KL-pressed: a pessimistic estimate). */
  private klAccuracies: number[] = [];
  private extended = false;
  private rejections = 0;
  private judged: number | null = null;
  private rejected: number[] = [];

  constructor(target: ControllerTarget, args: CompressionControllerArgs = {}) {
    if ('targetCompression' in target) {
      if (!(target.targetCompression > 1) || !Number.isFinite(target.targetCompression)) {
        throw new InvalidArgumentError('targetCompression', target.targetCompression, 'a finite number > 1');
      }
    } else {
      assertRate(target.maxAccuracyDrop, 'maxAccuracyDrop');
      assertRate(target.referenceAccuracy, 'referenceAccuracy');
    }
    this.target = { ...target };
    this.klFacValue = args.startKlFac ?? DEFAULT_CONTROLLER_START_KL_FAC;
    this.growth = args.growth ?? DEFAULT_CONTROLLER_GROWTH;
    this.gain = args.gain ?? DEFAULT_CONTROLLER_GAIN;
    this.damping = args.damping ?? DEFAULT_CONTROLLER_DAMPING;
    this.tolerance = args.tolerance ?? DEFAULT_TARGET_TOLERANCE;
    this.rungValue = args.rung ?? DEFAULT_BUDGET_RUNG;
    this.recoverySteps = args.recoverySteps ?? DEFAULT_RECOVERY_STEPS;
    this.maxRejections = args.maxRejections ?? DEFAULT_MAX_REJECTIONS;
    this.fixedReference = args.fixedReference ?? false;
    if (this.maxRejections !== Infinity) assertPositiveInteger(this.maxRejections, 'maxRejections');
    this.accepted.klFac = this.klFacValue;
    assertPositive(this.klFacValue, 'startKlFac');
    if (!(this.rungValue > 1) || !Number.isFinite(this.rungValue)) throw new InvalidArgumentError('rung', this.rungValue, 'a finite number > 1');
    assertPositiveInteger(this.recoverySteps, 'recoverySteps');
    if (!(this.growth > 1) || !Number.isFinite(this.growth)) throw new InvalidArgumentError('growth', this.growth, 'a finite number > 1');
    assertPositive(this.gain, 'gain');
    if (!(this.damping >= 0) || !Number.isFinite(this.damping)) throw new InvalidArgumentError('damping', this.damping, 'a finite number >= 0');
    assertRate(this.tolerance, 'tolerance');
  }

  /** The klFac to train with now (0 while an accuracy-budget run recovers or is done). */
  get klFac(): number {
    return this.phaseValue === 'compress' ? this.klFacValue : 0;
  }

  /** 'compress', 'recover' (train with frozen masks) or 'done'; always 'compress' for a compression target. */
  get phase(): ControllerPhase {
    return this.phaseValue;
  }

  /** The decision of the last `update` about the state it measured (accuracy budget only). */
  get verdict(): ControllerVerdict {
    return this.verdictValue;
  }

  /** Accuracy budget: the accuracy the last judgement was made on (null before the first). */
  get judgedAccuracy(): number | null {
    return this.judged;
  }

  /** Accuracy budget: the current rung (shrinks to its square root after a rejection). */
  get rung(): number {
    return this.rungValue;
  }

  /**
   * Accuracy budget: the compressions of the rejected states beyond the last
   * accepted one, most compressed first. They were judged after only one or
   * two epochs of recovery, and a large step may need more: the
   * train package's candidate trial fine-tunes the first and judges it again.
   */
  get candidates(): number[] {
    return this.rejected.filter((c) => c > this.accepted.compression).sort((a, b) => b - a);
  }

  /** Accuracy budget: the compression of the last accepted state (1 until one is). */
  get acceptedCompression(): number {
    return this.accepted.compression;
  }

  /**
   * Accuracy budget: recover and judge now, whatever the compression (e.g.
   * when the epochs are about to run out). No-op unless compressing beyond
   * the last accepted state.
   */
  judgeNow(compression: number): void {
    if ('targetCompression' in this.target || this.phaseValue !== 'compress' || !(compression > this.accepted.compression)) return;
    this.startRecovery();
  }

  /** The accuracy the budget is measured from (null for a compression target). */
  get referenceAccuracy(): number | null {
    return 'referenceAccuracy' in this.target ? this.target.referenceAccuracy : null;
  }

  /**
   * Raises the budget's reference to `accuracy` if it is higher (unless
   * `fixedReference`): a model still learning during the KL stage is held to
   * its best, not its first.
   */
  raiseReference(accuracy: number): void {
    if ('referenceAccuracy' in this.target && !this.fixedReference) this.target.referenceAccuracy = Math.max(this.target.referenceAccuracy, accuracy);
  }

  /** Everything `update`, `judgeNow` and `raiseReference` change, JSON-safe, for `setState`. */
  getState(): CompressionControllerState {
    return {
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
      referenceAccuracy: 'referenceAccuracy' in this.target ? encodeNumber(this.target.referenceAccuracy) : null,
    };
  }

  /**
   * Restores a `getState` result into a controller built with the same target
   * and args. Everything is checked before anything is set, so a malformed
   * state throws and leaves the controller as it was.
   */
  setState(state: CompressionControllerState): void {
    if (state == null || typeof state !== 'object') throw new InvalidArgumentError('state', state, 'a CompressionControllerState object');
    // Checked as unknown: the state usually comes from JSON.parse, whatever its static type.
    const s: { [K in keyof CompressionControllerState]?: unknown } = state;
    if (s.version !== 1) throw new InvalidArgumentError('state.version', s.version, '1');
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
    const budget = 'referenceAccuracy' in this.target;
    const reference = decodeNullable(s.referenceAccuracy, 'state.referenceAccuracy');
    if ((reference === null) === budget) {
      const expected = budget ? 'a number (the target is an accuracy budget)' : 'null (the target is a compression target)';
      throw new InvalidArgumentError('state.referenceAccuracy', s.referenceAccuracy, expected);
    }
    const rung = decodeNumber(s.rung, 'state.rung');
    const klFac = decodeNumber(s.klFac, 'state.klFac');
    const previous = decodeNullable(s.previous, 'state.previous');
    const acceptedCompression = decodeNumber(accepted.compression, 'state.accepted.compression');
    const acceptedKlFac = decodeNumber(accepted.klFac, 'state.accepted.klFac');
    const recoveryAccuracies = decodeNumbers(s.recoveryAccuracies, 'state.recoveryAccuracies');
    const klAccuracies = decodeNumbers(s.klAccuracies, 'state.klAccuracies');
    const judged = decodeNullable(s.judged, 'state.judged');
    const rejected = decodeNumbers(s.rejected, 'state.rejected');

    this.rungValue = rung;
    this.klFacValue = klFac;
    this.previous = previous;
    this.phaseValue = s.phase;
    this.verdictValue = s.verdict;
    this.accepted = { compression: acceptedCompression, klFac: acceptedKlFac };
    this.recoveryAccuracies = recoveryAccuracies;
    this.klAccuracies = klAccuracies;
    this.extended = s.extended;
    this.rejections = s.rejections;
    this.judged = judged;
    this.rejected = rejected;
    if ('referenceAccuracy' in this.target) this.target.referenceAccuracy = reference!;
  }

  /** True when the signal satisfies the target (within tolerance, or within the accuracy budget). */
  satisfied(signal: ControllerSignal): boolean {
    if ('targetCompression' in this.target) {
      return Math.abs(signal.compression / this.target.targetCompression - 1) <= this.tolerance;
    }
    return this.accuracyOf(signal) >= this.target.referenceAccuracy - this.target.maxAccuracyDrop;
  }

  /**
   * A score for choosing which state to keep (higher is better): closeness
   * to the target compression, or the compression among states inside the
   * accuracy budget (-Infinity outside it).
   */
  score(signal: ControllerSignal): number {
    if ('targetCompression' in this.target) {
      return -Math.abs(Math.log(signal.compression / this.target.targetCompression));
    }
    return this.satisfied(signal) ? signal.compression : -Infinity;
  }

  /**
   * Feeds one measurement; returns the klFac to train with until the next one
   * (with an accuracy budget, also updates `phase` and `verdict`).
   */
  update(signal: ControllerSignal): number {
    // Everything pruned measures as Infinity; a finite stand-in keeps the log terms finite.
    const compression = Math.min(MAX_MEASURED_COMPRESSION, Math.max(1, signal.compression));
    if (!('targetCompression' in this.target)) return this.budgetUpdate(compression, signal);
    const error = Math.log(this.target.targetCompression / compression);
    const rate = this.previous == null ? 0 : Math.log(compression / this.previous);
    const step = this.gain * error - this.damping * rate;
    this.previous = compression;
    this.setKlFac(this.klFacValue * Math.exp(Math.min(Math.log(this.growth), Math.max(-2 * Math.log(this.growth), step))));
    return this.klFacValue;
  }

  private budgetUpdate(compression: number, signal: ControllerSignal): number {
    this.verdictValue = null;
    const accuracy = this.accuracyOf(signal);
    if (this.phaseValue === 'done') return 0;
    if (this.phaseValue === 'compress') {
      this.klAccuracies.push(accuracy);
      if (this.klAccuracies.length > 2) this.klAccuracies.shift();
      const climbing = this.previous != null && compression >= this.previous * this.rungValue ** (1 / this.recoverySteps);
      this.previous = compression;
      if (compression >= this.accepted.compression * this.rungValue) {
        // Even the noisy, KL-pressed model is within the budget: no recovery needed to judge it.
        const recent = this.klAccuracies.reduce((a, b) => a + b, 0) / this.klAccuracies.length;
        if (this.klAccuracies.length === 2 && this.satisfied({ compression, accuracy: recent })) {
          this.accept(compression, recent, this.klFacValue);
          return this.klFacValue;
        }
        this.startRecovery();
        return 0;
      }
      // Grow unless pruning already climbs a rung per recovery window; hold
      // while it does (it goes on at a fixed klFac).
      if (!climbing) this.setKlFac(this.klFacValue * this.growth);
      return this.klFacValue;
    }
    this.recoveryAccuracies.push(accuracy);
    if (this.recoveryAccuracies.length < this.recoverySteps) return 0;
    // The accuracy still rises during recovery: judge on the later half.
    const late = this.recoveryAccuracies.slice(-Math.ceil(this.recoverySteps / 2));
    const judged = late.reduce((a, b) => a + b, 0) / late.length;
    this.judged = judged;
    this.recoveryAccuracies = [];
    if (this.satisfied({ compression, accuracy: judged })) {
      this.accept(compression, judged, this.klFacValue / this.growth);
      return this.klFacValue;
    }
    if (!this.extended) {
      this.extended = true;
      return 0;
    }
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
    this.setKlFac(this.accepted.klFac / this.growth);
    return this.klFacValue;
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
    this.setKlFac(klFac);
  }

  private startRecovery(): void {
    this.phaseValue = 'recover';
    this.recoveryAccuracies = [];
    this.klAccuracies = [];
    this.extended = false;
  }

  private setKlFac(value: number): void {
    const [low, high] = CONTROLLER_KL_FAC_RANGE;
    this.klFacValue = Math.min(high, Math.max(low, value));
  }

  private accuracyOf(signal: ControllerSignal): number {
    if (signal.accuracy == null) throw new InvalidArgumentError('accuracy', signal.accuracy, 'a validation accuracy (the target is an accuracy budget)');
    return signal.accuracy;
  }
}
