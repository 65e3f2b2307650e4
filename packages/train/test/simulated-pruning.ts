import { seededRandom } from '@tfjs-compress/common';
import { recurrentParams } from '@tfjs-compress/vib';
import type { AccuracyBudgetLadder } from '../src/index.js';

/**
 * A simulated VIB training signal: an LSTM of 128 units on 28 inputs whose
 * units each have an importance (log-uniform over five decades). A unit whose
 * importance is below klFac closes with probability 0.4 per control step
 * (pruning lags the klFac that causes it) and never reopens (in real runs
 * pruning is nearly one-way: once mu is small its KL gradient vanishes). An
 * undamped controller overshoots this plant (checked: damping 0 lands at
 * 24x to 29x for seed 1).
 */
export function simulatedRun(seed: number) {
  const rand = seededRandom(seed);
  const units = 128;
  const inputs = 28;
  const importance = Array.from({ length: units }, () => 10 ** (-6 + 5 * rand()));
  const inputImportance = Array.from({ length: inputs }, () => 10 ** (-6 + 5 * rand()));
  const open = new Array(units).fill(true);
  const inputOpen = new Array(inputs).fill(true);
  const before = recurrentParams(4, inputs, units);
  const ratio = () => before / Math.max(1, recurrentParams(4, inputOpen.filter(Boolean).length, open.filter(Boolean).length));
  return {
    step(klFac: number): number {
      const evolve = (isOpen: boolean[], imp: number[]) =>
        isOpen.forEach((o, k) => {
          if (o && imp[k] < klFac && rand() < 0.4) isOpen[k] = false;
        });
      evolve(open, importance);
      evolve(inputOpen, inputImportance);
      return ratio();
    },
    save: () => ({ open: [...open], inputOpen: [...inputOpen] }),
    /** Back to a saved state; returns its compression. */
    restore(state: { open: boolean[]; inputOpen: boolean[] }): number {
      state.open.forEach((o, k) => (open[k] = o));
      state.inputOpen.forEach((o, k) => (inputOpen[k] = o));
      return ratio();
    },
  };
}

/** What the simulated model scores at a control step. */
export interface SimulatedAccuracy {
  /** At step `recoveryStep` (from 1) of a frozen-mask recovery window at `compression`. */
  recovering(compression: number, recoveryStep: number): number;
  /** Under KL pressure, the plant just moved to `compression`; `kept` is the last accepted compression. */
  compressing(compression: number, kept: number): number;
}

/**
 * Runs `ladder` on a simulated run for at most `maxSteps` control steps (or
 * until it is done): the plant steps at the ladder's klFac while it
 * compresses, rolls back to the last accepted state on a rejection. Returns
 * the compression of the last accepted state.
 */
export function climbLadder(ladder: AccuracyBudgetLadder, run: ReturnType<typeof simulatedRun>, model: SimulatedAccuracy, maxSteps: number): number {
  let compression = 1;
  let kept = { compression: 1, state: run.save() };
  let recoveryStep = 0;
  for (let step = 0; step < maxSteps && ladder.phase !== 'done'; step++) {
    let accuracy: number;
    if (ladder.phase === 'recover') {
      recoveryStep++;
      accuracy = model.recovering(compression, recoveryStep);
    } else {
      recoveryStep = 0;
      compression = run.step(ladder.klFac);
      accuracy = model.compressing(compression, kept.compression);
    }
    ladder.update({ compression, accuracy });
    if (ladder.verdict === 'accepted') kept = { compression, state: run.save() };
    if (ladder.verdict === 'rejected') compression = run.restore(kept.state);
  }
  return kept.compression;
}
