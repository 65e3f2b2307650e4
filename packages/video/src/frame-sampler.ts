import { assertOneOf, assertPositiveInteger, InvalidArgumentError, type Rng } from '@tfjs-compress/common';

export const SAMPLING_MODES = ['train', 'test'] as const;
/** 'train': random stride, start and flip. 'test': start 0, fixed stride, no flip. */
export type SamplingMode = (typeof SAMPLING_MODES)[number];

export const SHORT_CLIP_POLICIES = ['loop', 'pad-last'] as const;
/**
 * What to do when a clip has fewer frames than needed: 'loop' wraps around
 * to frame 0 (0,1,2,0,1,2,...), 'pad-last' repeats the last frame.
 */
export type ShortClipPolicy = (typeof SHORT_CLIP_POLICIES)[number];

export const DEFAULT_SHORT_CLIP_POLICY: ShortClipPolicy = 'loop';
export const DEFAULT_FLIP_PROBABILITY = 0.5;

export interface FrameSamplingOptions {
  mode: SamplingMode;
  /** Needed for 'train' (stride, start, flip). Ignored for 'test'. */
  rng?: Rng;
  /** Default: DEFAULT_SHORT_CLIP_POLICY ('loop'). */
  shortClip?: ShortClipPolicy;
  /** Chance of a horizontal flip in 'train' mode. Default: 0.5. */
  flipProbability?: number;
}

export interface FrameSample {
  /** T frame indices into the clip, each in [0, numFrames). */
  indices: number[];
  stride: number;
  start: number;
  /** Mirror the frames left-right. */
  flip: boolean;
}

/**
 * Picks T frames out of n, following the paper's protocol:
 * - train: stride uniform in [1, max(1, floor(n/T))], start uniform over the
 *   positions where all T frames fit, flip with probability 0.5;
 * - test: start 0, stride max(1, floor(n/T)), no flip.
 * When n < T the T frames cannot fit; indices then run past the end and are
 * folded back by the short-clip policy.
 */
export function sampleFrameIndices(numFrames: number, framesPerClip: number, options: FrameSamplingOptions): FrameSample {
  assertPositiveInteger(numFrames, 'numFrames');
  assertPositiveInteger(framesPerClip, 'framesPerClip');
  assertOneOf(options.mode, SAMPLING_MODES, 'mode');
  const shortClip = options.shortClip ?? DEFAULT_SHORT_CLIP_POLICY;
  assertOneOf(shortClip, SHORT_CLIP_POLICIES, 'shortClip');
  const flipProbability = options.flipProbability ?? DEFAULT_FLIP_PROBABILITY;
  if (!(flipProbability >= 0 && flipProbability <= 1)) {
    throw new InvalidArgumentError('flipProbability', flipProbability, 'a number in [0, 1]');
  }

  const maxStride = Math.max(1, Math.floor(numFrames / framesPerClip));
  let stride = maxStride;
  let start = 0;
  let flip = false;
  if (options.mode === 'train') {
    const rng = options.rng;
    if (!rng) throw new InvalidArgumentError('rng', rng, "a seeded Rng in 'train' mode");
    stride = rng.int(1, maxStride);
    const span = (framesPerClip - 1) * stride + 1;
    start = span <= numFrames ? rng.int(0, numFrames - span) : 0;
    flip = flipProbability > 0 && rng.chance(flipProbability);
  }
  const indices: number[] = [];
  for (let t = 0; t < framesPerClip; t++) {
    const i = start + t * stride;
    indices.push(i < numFrames ? i : shortClip === 'loop' ? i % numFrames : numFrames - 1);
  }
  return { indices, stride, start, flip };
}

/**
 * Copies the sampled frames of a decoded clip into `out` (T frames, uint8
 * RGB), mirroring each row when `flip` is set.
 */
export function gatherFrames(
  data: Uint8Array,
  width: number,
  height: number,
  sample: FrameSample,
  out: Uint8Array = new Uint8Array(sample.indices.length * width * height * 3),
): Uint8Array {
  const frameBytes = width * height * 3;
  const rowBytes = width * 3;
  sample.indices.forEach((frame, t) => {
    const src = frame * frameBytes;
    const dst = t * frameBytes;
    if (!sample.flip) {
      out.set(data.subarray(src, src + frameBytes), dst);
      return;
    }
    for (let y = 0; y < height; y++) {
      const rowSrc = src + y * rowBytes;
      const rowDst = dst + y * rowBytes;
      for (let x = 0; x < width; x++) {
        const s = rowSrc + x * 3;
        const d = rowDst + (width - 1 - x) * 3;
        out[d] = data[s];
        out[d + 1] = data[s + 1];
        out[d + 2] = data[s + 2];
      }
    }
  });
  return out;
}
