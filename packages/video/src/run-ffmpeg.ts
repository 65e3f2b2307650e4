import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { collectProcess } from './collect-process.js';
import { FfmpegNotFoundError } from './errors.js';

/** ffmpeg processes run at once by the batch stream and the generator: min(4, cores). */
export const DEFAULT_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

export interface RunFfmpegOptions {
  /** Bytes written to ffmpeg's stdin, which is then closed. Default: stdin closed at once. */
  stdin?: Uint8Array;
  /** Kill ffmpeg (SIGKILL) after this many milliseconds. Default: no limit. */
  timeoutMs?: number;
  /** Kill ffmpeg when this signal aborts. */
  signal?: AbortSignal;
  /** Stop and kill ffmpeg once stdout exceeds this many bytes. Default: no limit. */
  maxStdoutBytes?: number;
  /** Name used in error text (usually the clip path). */
  what?: string;
}

export interface RunFfmpegResult {
  exitCode: number | null;
  /** Signal that ended the process, if any. */
  killedBy: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last STDERR_TAIL_BYTES of stderr (the reason for a failure is at the end). */
  stderrTail: string;
  timedOut: boolean;
  aborted: boolean;
  overflowed: boolean;
}

export const STDERR_TAIL_BYTES = 4096;

/**
 * Runs ffmpeg with pipes only (no temp files) and resolves when it exits.
 * Never rejects for a non-zero exit: callers decide what a failure means.
 * Rejects (FfmpegNotFoundError) only when the process cannot be started.
 */
export function runFfmpeg(ffmpegPath: string, args: readonly string[], options: RunFfmpegOptions = {}): Promise<RunFfmpegResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, killedBy: null, stdout: Buffer.alloc(0), stderrTail: '', timedOut: false, aborted: true, overflowed: false });
      return;
    }
    const child = spawn(ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const abort = collectProcess(child, { timeoutMs: options.timeoutMs, maxStdoutBytes: options.maxStdoutBytes, tailBytes: STDERR_TAIL_BYTES }, (result) => {
      options.signal?.removeEventListener('abort', abort);
      if ('startError' in result) {
        reject(new FfmpegNotFoundError([`${ffmpegPath} could not be started (${result.startError})`]));
        return;
      }
      const { chunks, ...rest } = result;
      resolve({ ...rest, stdout: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) });
    });
    options.signal?.addEventListener('abort', abort, { once: true });
    // ffmpeg may exit before reading all input (bad arguments): EPIPE here is
    // expected and the exit code tells the story.
    child.stdin.on('error', () => undefined);
    if (options.stdin) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}
