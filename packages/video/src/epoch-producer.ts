import { deriveSeed, mulberry32, shuffled } from '@tfjs-compress/common';
import { BatchAssembler, type ReadyBatch } from './batch-assembler.js';
import type { BatchQueue } from './batch-queue.js';
import type { Loaded } from './clip-loader.js';
import type { BadClip } from './clip-reports.js';
import type { EpochSummary } from './epoch-summary.js';
import type { VideoBatchStream } from './video-batch-stream.js';

/** The clip order of one epoch: list order, or a shuffle seeded by (seed, epoch). */
export function epochOrder(count: number, shuffle: boolean, seed: number, epoch: number): number[] {
  const indices = Array.from({ length: count }, (_, i) => i);
  return shuffle ? shuffled(indices, mulberry32(deriveSeed(seed, epoch, 0x5eed))) : indices;
}

/**
 * Fills `queue` with one epoch's batches: keeps `stream.lookahead` clips
 * loading, takes them in order, skips and reports bad ones. Rejects only
 * for a failure that stops the epoch, after every in-flight load settled.
 */
export async function produceEpoch(
  stream: VideoBatchStream, summary: EpochSummary, queue: BatchQueue<ReadyBatch>, abort: AbortController,
): Promise<void> {
  const order = epochOrder(stream.clips.length, stream.shuffle, stream.seed, summary.epoch);
  const batch = new BatchAssembler(stream.batchSize, stream.framesPerClip * stream.width * stream.height * 3);
  const window: Promise<Loaded>[] = [];
  let position = 0;
  const launch = (): void => {
    while (window.length < stream.lookahead && position < order.length) {
      const loading = stream.load(order[position++], summary.epoch, summary, abort.signal);
      // Only setup failures reject; they are rethrown when awaited in order.
      loading.catch(() => undefined);
      window.push(loading);
    }
  };
  const flush = async (): Promise<void> => {
    const n = batch.size;
    if (await queue.put(batch.take())) {
      summary.batches++;
      summary.used += n;
    }
  };
  try {
    launch();
    while (window.length > 0 && !queue.closed) {
      // Results are taken in list order so batches do not depend on which ffmpeg finishes first.
      const loaded = await (window.shift() as Promise<Loaded>);
      launch();
      if (queue.closed) break;
      const clip = stream.clips[loaded.index];
      if (!loaded.frames) {
        const bad: BadClip = { path: clip.path, error: loaded.error ?? new Error('unknown'), epoch: summary.epoch, known: loaded.known ?? false };
        summary.bad++;
        summary.badClips.push(bad);
        stream.reportBad(bad);
        continue;
      }
      batch.add(loaded.frames, clip.label, clip.path);
      if (batch.full) await flush();
    }
    if (batch.size > 0 && !queue.closed) {
      if (stream.dropRemainder) summary.dropped += batch.size;
      else await flush();
    }
  } catch (error) {
    abort.abort();
    // Let in-flight loads settle so no ffmpeg outlives the epoch.
    await Promise.allSettled(window);
    throw error;
  }
}
