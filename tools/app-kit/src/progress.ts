import cliProgress from 'cli-progress';

/** A per-epoch progress bar with ETA on stderr; silent when stderr is not a terminal (logs, CI, child processes). */
export interface EpochProgress {
  tick(values: { loss: number; accuracy: number }): void;
  stop(): void;
}

export function epochProgress(label: string, total: number, enabled = process.stderr.isTTY === true): EpochProgress {
  if (!enabled) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} batches | loss {loss} | acc {accuracy} | {duration_formatted} elapsed, ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 4,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(1, total), 0, { loss: '-', accuracy: '-' });
  let done = 0;
  return {
    tick: ({ loss, accuracy }) => {
      done++;
      // Batches per epoch can exceed the estimate (skipped clips change it): grow the bar.
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done, { loss: loss.toFixed(4), accuracy: `${(100 * accuracy).toFixed(1)}%` });
    },
    stop: () => bar.stop(),
  };
}
