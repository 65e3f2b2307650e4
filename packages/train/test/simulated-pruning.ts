import { seededRandom } from '@tfjs-compress/common';
import { recurrentParams } from '@tfjs-compress/vib';

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
