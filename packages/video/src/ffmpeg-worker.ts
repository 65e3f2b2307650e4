import { Worker } from 'node:worker_threads';
import { assertPositiveInteger } from '@tfjs-compress/common';
import { collectProcess } from './collect-process.js';
import { FfmpegNotFoundError, FfmpegWorkerError } from './errors.js';
import { DEFAULT_CONCURRENCY, STDERR_TAIL_BYTES, type RunFfmpegOptions, type RunFfmpegResult } from './run-ffmpeg.js';

interface RunRequest {
  type: 'run';
  id: number;
  ffmpegPath: string;
  args: string[];
  timeoutMs?: number;
  maxStdoutBytes?: number;
  tailBytes: number;
}

interface AbortRequest {
  type: 'abort';
  id: number;
}

interface RunReply {
  id: number;
  /** Most ffmpeg processes this worker has had running at once. */
  peak: number;
  /** Set when the process could not start. */
  startError?: string;
  result?: Omit<RunFfmpegResult, 'stdout'> & { stdout: ArrayBuffer };
}

/**
 * The worker thread's code. It is turned into a string and run with
 * `eval: true`, so it must not use anything from this module's scope (the
 * same code then works from src under a TypeScript loader, from dist, and
 * after bundling); `collectProcess` is handed to it the same way, as text. It owns the ffmpeg pipes, so they keep draining while
 * the main thread is busy with a synchronous training step, and it starts
 * queued jobs itself, at most `maxProcesses` at a time.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
function workerBody(collect: typeof collectProcess): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const port = parentPort as NonNullable<typeof parentPort>;
  const maxProcesses = (workerData as { maxProcesses: number }).maxProcesses;
  const queue: RunRequest[] = [];
  const kills = new Map<number, () => void>();
  let running = 0;
  let peak = 0;

  const emptyResult = { exitCode: null, killedBy: null, stderrTail: '', timedOut: false, aborted: true, overflowed: false };

  const start = (msg: RunRequest): void => {
    const { id, ffmpegPath, args, timeoutMs, maxStdoutBytes, tailBytes } = msg;
    running++;
    peak = Math.max(peak, running);
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const abort = collect(child, { timeoutMs, maxStdoutBytes, tailBytes }, (result) => {
      kills.delete(id);
      running--;
      if ('startError' in result) port.postMessage({ id, peak, startError: result.startError });
      else {
        // A fresh, exactly-sized buffer (not a pooled one), so it can be transferred without a copy.
        const { chunks, ...rest } = result;
        const stdout = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let offset = 0;
        for (const c of chunks) {
          stdout.set(c, offset);
          offset += c.length;
        }
        port.postMessage({ id, peak, result: { ...rest, stdout: stdout.buffer } }, [stdout.buffer]);
      }
      pump();
    });
    kills.set(id, abort);
  };

  const pump = (): void => {
    while (running < maxProcesses && queue.length > 0) start(queue.shift() as RunRequest);
  };

  port.on('message', (msg: RunRequest | AbortRequest) => {
    if (msg.type === 'run') {
      queue.push(msg);
      pump();
      return;
    }
    const queued = queue.findIndex((q) => q.id === msg.id);
    if (queued >= 0) {
      queue.splice(queued, 1);
      const stdout = new ArrayBuffer(0);
      port.postMessage({ id: msg.id, peak, result: { ...emptyResult, stdout } }, [stdout]);
    } else {
      kills.get(msg.id)?.();
    }
  });
}
/* eslint-enable @typescript-eslint/no-require-imports */

export interface FfmpegWorkerOptions {
  /** ffmpeg processes run at once; further jobs wait in the worker. Default: min(4, cores). */
  maxProcesses?: number;
}

/**
 * Runs ffmpeg decode jobs from a worker thread (the work is in the ffmpeg
 * processes; the thread moves bytes and starts queued jobs, so both go on
 * while the main thread is blocked). Idle, it does not keep the process alive.
 */
export class FfmpegWorker {
  readonly maxProcesses: number;
  private worker: Worker | undefined;
  private nextId = 0;
  private peak = 0;
  private readonly pending = new Map<number, { resolve: (r: RunFfmpegResult) => void; reject: (e: Error) => void; path: string }>();

  constructor(options: FfmpegWorkerOptions = {}) {
    this.maxProcesses = options.maxProcesses ?? DEFAULT_CONCURRENCY;
    assertPositiveInteger(this.maxProcesses, 'maxProcesses');
  }

  /** Most ffmpeg processes that ran at once so far. */
  get peakProcesses(): number {
    return this.peak;
  }

  /** Like runFfmpeg (without stdin), from the worker thread. */
  run(ffmpegPath: string, args: readonly string[], options: Omit<RunFfmpegOptions, 'stdin'> = {}): Promise<RunFfmpegResult> {
    if ((options as RunFfmpegOptions).stdin) return Promise.reject(new FfmpegWorkerError('FfmpegWorker does not pipe stdin'));
    if (options.signal?.aborted) {
      return Promise.resolve({ exitCode: null, killedBy: null, stdout: Buffer.alloc(0), stderrTail: '', timedOut: false, aborted: true, overflowed: false });
    }
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<RunFfmpegResult>((resolve, reject) => {
      const onAbort = (): void => worker.postMessage({ type: 'abort', id } satisfies AbortRequest);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        path: ffmpegPath,
      });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({
        type: 'run', id, ffmpegPath, args: [...args], timeoutMs: options.timeoutMs, maxStdoutBytes: options.maxStdoutBytes, tailBytes: STDERR_TAIL_BYTES,
      } satisfies RunRequest);
    });
  }

  /** Stops the thread; jobs still pending reject with FfmpegWorkerError. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // Some TypeScript loaders (esbuild's keepNames) wrap functions in a
    // module-level __name helper; give the stringified code its own.
    const worker = new Worker(`var __name = (f) => f;\n(${workerBody.toString()})(${collectProcess.toString()})`, {
      eval: true,
      workerData: { maxProcesses: this.maxProcesses },
    });
    worker.unref();
    worker.on('message', (reply: RunReply) => {
      this.peak = Math.max(this.peak, reply.peak);
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.startError !== undefined || !reply.result) {
        job.reject(new FfmpegNotFoundError([`${job.path} could not be started (${reply.startError ?? 'no result'})`]));
        return;
      }
      job.resolve({ ...reply.result, stdout: Buffer.from(reply.result.stdout) });
    });
    const failAll = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(new FfmpegWorkerError(`ffmpeg worker thread failed: ${error.message}`)));
    worker.on('exit', (code) => failAll(new FfmpegWorkerError(`ffmpeg worker thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

let shared: FfmpegWorker | undefined;

/** The process-wide worker used by `decodeClip(..., { thread: 'worker' })` without its own `worker`. */
export function sharedFfmpegWorker(): FfmpegWorker {
  shared ??= new FfmpegWorker();
  return shared;
}
