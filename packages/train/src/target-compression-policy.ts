import { InvalidArgumentError } from '@tfjs-compress/common';
import type { ControlSignal, KlPolicy, PolicyAction, PolicyStart } from './kl-policy.js';
import { TargetCompressionController, type TargetControllerArgs, type TargetControllerState } from './target-compression-controller.js';

export interface TargetCompressionArgs {
  /** The compression ratio of the gated recurrent layers to reach (e.g. 20 for 20x), > 1. */
  targetCompression: number;
  /** Tuning of the klFac controller. */
  controller?: TargetControllerArgs;
}

/**
 * Steers klFac towards a compression ratio (`TargetCompressionController`: a log
 * error term and a brake while the compression still climbs), keeps the
 * state closest to the target, and ends the VIB stage once the target has
 * held for two epochs (pruning is nearly one-way).
 */
export class TargetCompressionPolicy implements KlPolicy {
  readonly kind = 'target-compression' as const;
  readonly needsValidation = false;
  readonly recovering = false;
  readonly referenceAccuracy = null;
  readonly targetCompression: number;
  private readonly controller: TargetCompressionController;
  private best: { score: number; compression: number; accuracy: number } | null = null;
  private settled = 0;
  private controls = 1;

  constructor(args: TargetCompressionArgs) {
    this.controller = new TargetCompressionController(args.targetCompression, args.controller);
    this.targetCompression = args.targetCompression;
  }

  begin(start: PolicyStart): PolicyAction {
    this.controls = start.controlsPerEpoch;
    return {};
  }

  klFac(): number {
    return this.controller.klFac;
  }

  control(signal: ControlSignal): PolicyAction {
    const score = this.controller.score(signal.compression);
    const accuracy = signal.accuracy ?? 0;
    const better = this.best == null || score > this.best.score || (score === this.best.score && accuracy >= this.best.accuracy);
    if (better) this.best = { score, compression: signal.compression, accuracy };
    this.settled = this.controller.satisfied(signal.compression) ? this.settled + 1 : 0;
    this.controller.update(signal.compression);
    return { keep: better, done: this.settled >= 2 * this.controls };
  }

  finish(): PolicyAction {
    return { restore: this.best != null };
  }

  getState(): { controller: TargetControllerState; best: TargetCompressionPolicy['best']; settled: number; controls: number } {
    return { controller: this.controller.getState(), best: this.best && { ...this.best }, settled: this.settled, controls: this.controls };
  }

  setState(state: unknown): void {
    const s = state as ReturnType<TargetCompressionPolicy['getState']>;
    if (s?.controller == null || typeof s.settled !== 'number' || typeof s.controls !== 'number') {
      throw new InvalidArgumentError('state', state, "TargetCompressionPolicy.getState()'s value");
    }
    this.controller.setState(s.controller);
    this.best = s.best && { ...s.best };
    this.settled = s.settled;
    this.controls = s.controls;
  }

  get reached(): boolean {
    return this.best != null && this.controller.satisfied(this.best.compression);
  }
}
