import { InvalidArgumentError, assertPositive, assertRate } from '@tfjs-compress/common';
import {
  clampKlFac,
  decodeNullable,
  decodeNumber,
  encodeNumber,
  klSteps,
  measuredCompression,
  stateFields,
  type KlStepArgs,
  type StateNumber,
} from './controller-shared.js';

/** Gain on the log error ln(target / current). */
export const DEFAULT_CONTROLLER_GAIN = 0.5;
/** Damping on the log rate of change of the compression (slows klFac while it climbs fast). */
export const DEFAULT_CONTROLLER_DAMPING = 2;
/** Relative band around the target counted as "reached". */
export const DEFAULT_TARGET_TOLERANCE = 0.2;

export interface TargetControllerArgs extends KlStepArgs {
  /** Gain on ln(target / compression), > 0. Default: 0.5. */
  gain?: number;
  /** Damping on ln(compression / previous compression), >= 0. Default: 2. */
  damping?: number;
  /** Relative tolerance around the target compression, in [0, 1). Default: 0.2. */
  tolerance?: number;
}

/** Everything the controller changes while it runs, JSON-safe, so a killed run resumes it exactly. */
export interface TargetControllerState {
  kind: 'TargetCompressionController';
  version: 1;
  klFac: StateNumber;
  previous: StateNumber | null;
}

/**
 * Steers klFac towards a compression ratio, one control step at a time: klFac
 * moves in log space by `gain * ln(target / c) - damping * ln(c / c_prev)`,
 * clamped to [1/growth^2, growth] per step. Far below the target it grows
 * geometrically (the task's klFac scale spans decades between tasks).
 * Pruning is nearly one-way (once mu is small the KL gradient vanishes and
 * the unit rarely reopens), so the damping term brakes while the compression
 * is still climbing, before it overshoots.
 */
export class TargetCompressionController {
  readonly growth: number;
  readonly gain: number;
  readonly damping: number;
  readonly tolerance: number;
  private klFacValue: number;
  private previous: number | null = null;

  constructor(
    readonly targetCompression: number,
    args: TargetControllerArgs = {},
  ) {
    if (!(targetCompression > 1) || !Number.isFinite(targetCompression)) {
      throw new InvalidArgumentError('targetCompression', targetCompression, 'a finite number > 1');
    }
    const steps = klSteps(args);
    this.klFacValue = steps.startKlFac;
    this.growth = steps.growth;
    this.gain = args.gain ?? DEFAULT_CONTROLLER_GAIN;
    this.damping = args.damping ?? DEFAULT_CONTROLLER_DAMPING;
    this.tolerance = args.tolerance ?? DEFAULT_TARGET_TOLERANCE;
    assertPositive(this.gain, 'gain');
    if (!(this.damping >= 0) || !Number.isFinite(this.damping)) throw new InvalidArgumentError('damping', this.damping, 'a finite number >= 0');
    assertRate(this.tolerance, 'tolerance');
  }

  /** The klFac to train with now. */
  get klFac(): number {
    return this.klFacValue;
  }

  /** True when `compression` is within the tolerance of the target. */
  satisfied(compression: number): boolean {
    return Math.abs(compression / this.targetCompression - 1) <= this.tolerance;
  }

  /** Closeness to the target (higher is better): -|ln(compression / target)|. */
  score(compression: number): number {
    return -Math.abs(Math.log(compression / this.targetCompression));
  }

  /** Feeds one measured compression; returns the klFac to train with until the next. */
  update(compression: number): number {
    const c = measuredCompression(compression);
    const error = Math.log(this.targetCompression / c);
    const rate = this.previous == null ? 0 : Math.log(c / this.previous);
    const step = this.gain * error - this.damping * rate;
    this.previous = c;
    const limit = Math.log(this.growth);
    this.klFacValue = clampKlFac(this.klFacValue * Math.exp(Math.min(limit, Math.max(-2 * limit, step))));
    return this.klFacValue;
  }

  getState(): TargetControllerState {
    return { kind: 'TargetCompressionController', version: 1, klFac: encodeNumber(this.klFacValue), previous: this.previous === null ? null : encodeNumber(this.previous) };
  }

  /** Restores a `getState` result; a malformed state throws and changes nothing. */
  setState(state: TargetControllerState): void {
    const s = stateFields<TargetControllerState>(state, 'TargetCompressionController', 1);
    const klFac = decodeNumber(s.klFac, 'state.klFac');
    const previous = decodeNullable(s.previous, 'state.previous');
    this.klFacValue = klFac;
    this.previous = previous;
  }
}
