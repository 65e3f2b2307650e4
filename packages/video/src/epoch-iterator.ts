import { setMaxListeners } from 'node:events';
import type * as tf from '@tensorflow/tfjs-core';
import type { ReadyBatch } from './batch-assembler.js';
import { BatchQueue } from './batch-queue.js';
import { produceEpoch } from './epoch-producer.js';
import { emptyEpochSummary, type EpochSummary } from './epoch-summary.js';
import type { VideoBatchStream } from './video-batch-stream.js';

/** One training batch. The caller owns (and must dispose) xs and ys. */
export interface VideoBatch {
  /** [B, T, H*W*3] ('flat') or [B, T, H, W, 3] ('frames'), float32. */
  xs: tf.Tensor;
  /** [B, numClasses] one-hot float32, or [B] int32 class indices. */
  ys: tf.Tensor;
  labels: Int32Array;
  paths: string[];
  size: number;
}

/** One epoch of a VideoBatchStream, an async iterator of VideoBatch. */
export class EpochIterator implements AsyncIterableIterator<VideoBatch> {
  /** Live counters; final once the iterator is done. */
  readonly summary: EpochSummary;

  private readonly stream: VideoBatchStream;
  private readonly queue: BatchQueue<ReadyBatch>;
  private readonly abort = new AbortController();
  private producer: Promise<void> | undefined;
  private stopped = false;
  private failure: unknown;

  constructor(stream: VideoBatchStream, epoch: number) {
    this.stream = stream;
    this.queue = new BatchQueue(stream.prefetchBatches);
    // Every in-flight decode listens for the stop signal.
    setMaxListeners(0, this.abort.signal);
    this.summary = emptyEpochSummary(epoch, stream.clips.length);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<VideoBatch>> {
    if (this.stopped) return { value: undefined, done: true };
    // Decoding starts on the first next(), so an iterator never read costs nothing.
    this.producer ??= this.produce();
    const waitStart = performance.now();
    const ready = await this.queue.take();
    this.summary.waitMs += performance.now() - waitStart;
    if (!ready) {
      this.end(this.failure === undefined);
      if (this.failure !== undefined) throw this.failure;
      return { value: undefined, done: true };
    }
    // Tensors only here, for the batch handed out: stopping early leaves none behind.
    const { xs, ys } = this.stream.makeTensors(ready);
    return { value: { xs, ys, labels: ready.labels, paths: ready.paths, size: ready.labels.length }, done: false };
  }

  /** Stops early (a `break` in for-await calls this): kills running ffmpeg processes. */
  async return(): Promise<IteratorResult<VideoBatch>> {
    this.end(false);
    return { value: undefined, done: true };
  }

  private end(complete: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    this.summary.complete = complete;
    this.abort.abort();
    this.queue.close();
    this.stream.lastSummary = this.summary;
  }

  private async produce(): Promise<void> {
    try {
      await produceEpoch(this.stream, this.summary, this.queue, this.abort);
    } catch (error) {
      this.failure = error;
    } finally {
      this.queue.end();
    }
  }
}
