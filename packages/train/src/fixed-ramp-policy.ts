import { klSchedule } from '@tfjs-compress/vib';
import { assertNonNegative } from '@tfjs-compress/common';
import type { KlPolicy, PolicyAction, PolicyStart } from './kl-policy.js';

/** klFac after the ramp of a fixed schedule. */
export const DEFAULT_FIXED_KL_FAC = 1e-2;

export interface FixedRampArgs {
  /** klFac after the ramp, >= 0. Default: 1e-2. */
  klFac?: number;
  /** Epochs of the linear ramp from 0 at the end of the warm-up, >= 0. Default: a third of the VIB stage (set by the callback). */
  rampEpochs?: number;
}

/**
 * A linear klFac ramp after the warm-up, then a constant: the reference
 * schedule. Nothing watches the accuracy: the state at the end of the VIB
 * stage is fine-tuned, however far it pruned.
 */
export class FixedRampPolicy implements KlPolicy {
  readonly kind = 'fixed' as const;
  readonly needsValidation = false;
  readonly recovering = false;
  readonly reached = true;
  readonly referenceAccuracy = null;
  readonly target: number;
  private rampEpochs: number | undefined;
  private schedule: ((progress: number) => number) | null = null;

  constructor(args: FixedRampArgs = {}) {
    this.target = args.klFac ?? DEFAULT_FIXED_KL_FAC;
    assertNonNegative(this.target, 'klFac');
    if (args.rampEpochs != null) assertNonNegative(args.rampEpochs, 'rampEpochs');
    this.rampEpochs = args.rampEpochs;
  }

  /** Called by the callback before `begin`: where the ramp starts and its default length. */
  place(warmupEpochs: number, vibEpochs: number): void {
    const rampEpochs = this.rampEpochs ?? vibEpochs / 3;
    this.schedule = klSchedule({ klFac: this.target, warmupEpochs, rampEpochs });
  }

  begin(_start: PolicyStart): PolicyAction {
    return {};
  }

  klFac(progress: number): number {
    // Evaluated at the batch's start; the first VIB batch already feels the ramp a little.
    return this.schedule ? this.schedule(progress) : this.target;
  }

  control(): PolicyAction {
    return {};
  }

  finish(): PolicyAction {
    return {};
  }
}
