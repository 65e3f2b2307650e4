import type { ChildProcess } from 'node:child_process';

/** How a collected process ended: its output, or why it never started. */
export type CollectedProcess =
  | {
      exitCode: number | null;
      killedBy: NodeJS.Signals | null;
      /** stdout in the order it arrived (the caller joins them the way it needs). */
      chunks: Buffer[];
      /** The last `tailBytes` of stderr (the reason for a failure is at the end). */
      stderrTail: string;
      timedOut: boolean;
      aborted: boolean;
      overflowed: boolean;
    }
  | { startError: string };

/**
 * Collects a spawned ffmpeg's stdout and the tail of its stderr, kills it
 * (SIGKILL) on a timeout, when stdout passes `maxStdoutBytes`, or when the
 * returned function is called (an abort), and calls `done` once. Both
 * `runFfmpeg` and the ffmpeg worker thread use it. It must not use anything
 * outside its own body: the worker thread runs it from its source text.
 */
export function collectProcess(
  child: ChildProcess,
  options: { timeoutMs?: number; maxStdoutBytes?: number; tailBytes: number },
  done: (result: CollectedProcess) => void,
): () => void {
  const chunks: Buffer[] = [];
  let total = 0;
  let stderr = Buffer.alloc(0);
  let timedOut = false;
  let aborted = false;
  let overflowed = false;
  let finished = false;
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const timer = options.timeoutMs !== undefined
    ? setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs)
    : undefined;
  const finish = (result: CollectedProcess): void => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    done(result);
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (options.maxStdoutBytes !== undefined && total > options.maxStdoutBytes) {
      overflowed = true;
      kill();
      return;
    }
    chunks.push(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = Buffer.concat([stderr, chunk]);
    if (stderr.length > options.tailBytes) stderr = stderr.subarray(stderr.length - options.tailBytes);
  });
  child.on('error', (error) => finish({ startError: error.message }));
  child.on('close', (exitCode, killedBy) => {
    finish({ exitCode, killedBy, chunks, stderrTail: stderr.toString('utf8'), timedOut, aborted, overflowed });
  });
  return () => {
    aborted = true;
    kill();
  };
}
