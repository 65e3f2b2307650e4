import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CompactForward } from '@tfjs-compress/prune';
import { loadCompact } from '@tfjs-compress/prune/node';
import { assertOneOf, assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import {
  DEFAULT_NORMALIZATION,
  DEFAULT_SCALE_FLAGS,
  DEFAULT_SHORT_CLIP_POLICY,
  FeatureGather,
  FrameCache,
  SCALE_FLAGS,
  ffmpegDecoder,
  sampleFrameIndices,
  type ClipDecoder,
  type DecodedClip,
  type DecodeSpec,
  type Normalization,
  type ScaleFlags,
  type ShortClipPolicy,
} from '@tfjs-compress/video';

export const PREDICTOR_ENGINES = ['auto', 'fused', 'layers'] as const;
/**
 * How the compact model runs: 'fused' (`CompactForward`: one backend matMul,
 * then the recurrence and head in plain JavaScript), 'layers'
 * (`model.predict`), or 'auto' (fused when the model's topology allows it).
 */
export type PredictorEngine = (typeof PREDICTOR_ENGINES)[number];
export const DEFAULT_PREDICTOR_ENGINE: PredictorEngine = 'auto';

export interface CompactClipPredictorOptions {
  /** Frames sampled per clip, T (the run's `--frames`). */
  frames: number;
  /** Frame width the model was trained on (the run's `--width`). */
  width: number;
  /** Frame height the model was trained on (the run's `--height`). */
  height: number;
  /** Pixel normalisation of training. Default: DEFAULT_NORMALIZATION ('imagenet', what the app trains with). */
  normalization?: Normalization;
  /** Clips shorter than T frames. Default: DEFAULT_SHORT_CLIP_POLICY ('loop', as in training). */
  shortClip?: ShortClipPolicy;
  /** Resize filter, used only by the default decoder. Default: DEFAULT_SCALE_FLAGS ('area', as in training). */
  scaleFlags?: ScaleFlags;
  /** ffmpeg executable, used only by the default decoder. Default: findFfmpeg(). */
  ffmpegPath?: string;
  /** On-disk frame cache shared with training (decoded clips are read from it and written to it). Default: none. */
  cacheDir?: string;
  /** Replaces ffmpeg (tests, worker pools). Default: ffmpegDecoder({ ffmpegPath, scaleFlags }) on this thread. */
  decoder?: ClipDecoder;
  /** Default: DEFAULT_PREDICTOR_ENGINE ('auto': 'fused' when supported, else 'layers'). */
  engine?: PredictorEngine;
}

/** Wall time of each stage of one prediction, in ms. */
export interface StageTimes {
  /** ffmpeg decode and resize to uint8 RGB (or a frame-cache read). */
  decodeMs: number;
  /** Test-mode frame sampling plus reading and normalising the kept pixels into [1, T, K] floats. */
  gatherMs: number;
  /** Compact LSTM + head on [1, T, K], probabilities read back. */
  modelMs: number;
  totalMs: number;
}

export interface ClipPrediction {
  /** Class probabilities (the head's softmax), one per class. */
  probabilities: Float32Array;
  /** Decoded frames of the clip and the T of them that were used. */
  numFrames: number;
  frameIndices: number[];
  times: StageTimes;
}

/**
 * The compact model's per-clip path: decode -> sample T frames (test mode)
 * -> read only the kept pixels from the uint8 frames into a [1, T, K]
 * Float32Array, normalised as in training -> compact LSTM -> head ->
 * probabilities. The full [1, T, H*W*3] float input is never built: for the
 * paper's 160x120 frames that is 57,600 floats per frame, of which a
 * compact model typically reads 1-2%. Load once, predict many clips; call
 * `dispose()` when done.
 */
export class CompactClipPredictor {
  readonly model: tfl.LayersModel;
  /** Original feature indices the model reads, into one flattened [H, W, 3] frame. */
  readonly keptInputs: readonly number[];
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly classes: number;
  readonly shortClip: ShortClipPolicy;
  readonly cache: FrameCache | undefined;
  /** The engine in use ('auto' resolved). */
  readonly engine: Exclude<PredictorEngine, 'auto'>;
  private readonly fused: CompactForward | null;
  private readonly gatherer: FeatureGather;
  private readonly decoder: ClipDecoder;
  /** Reused input buffer: a tensor made from it lives only inside one synchronous call (the cpu backend may not copy it). */
  private readonly input: Float32Array;
  private disposed = false;

  /**
   * Takes ownership of `model` (disposed by `dispose()`). `keptInputs` are
   * the compact model's input features (prune's `compact(...).keptInputs`).
   */
  constructor(model: tfl.LayersModel, keptInputs: readonly number[], options: CompactClipPredictorOptions) {
    assertPositiveInteger(options.frames, 'frames');
    assertPositiveInteger(options.width, 'width');
    assertPositiveInteger(options.height, 'height');
    if (!Array.isArray(keptInputs)) throw new InvalidArgumentError('keptInputs', keptInputs, 'an array of feature indices');
    const shape = model.inputs[0]?.shape;
    if (model.inputs.length !== 1 || shape == null || shape.length !== 3) {
      throw new InvalidArgumentError('model', shape, 'one input of shape [batch, T, K]');
    }
    if (shape[2] !== keptInputs.length) {
      throw new InvalidArgumentError('keptInputs', `${keptInputs.length} indices`, `one per model input feature (${shape[2]})`);
    }
    if (shape[1] != null && shape[1] !== options.frames) {
      throw new InvalidArgumentError('frames', options.frames, `the model's ${shape[1]} time steps`);
    }
    const out = model.outputs[0]?.shape;
    if (model.outputs.length !== 1 || out == null || out.length !== 2 || out[1] == null) {
      throw new InvalidArgumentError('model', out, 'one output of shape [batch, classes]');
    }
    this.shortClip = options.shortClip ?? DEFAULT_SHORT_CLIP_POLICY;
    // Validates the policy now rather than on the first clip.
    sampleFrameIndices(1, 1, { mode: 'test', shortClip: this.shortClip });
    // Checks every index against width x height x 3 and names 'featureIndices'; report it as keptInputs.
    try {
      this.gatherer = new FeatureGather(keptInputs, {
        width: options.width, height: options.height, normalization: options.normalization ?? DEFAULT_NORMALIZATION,
      });
    } catch (error) {
      if (InvalidArgumentError.isInstance(error) && error.option === 'featureIndices') {
        throw new InvalidArgumentError('keptInputs', `index ${keptInputs.find((f) => !Number.isInteger(f) || f < 0 || f >= options.width * options.height * 3)}`,
          `indices in [0, ${options.width * options.height * 3}) for ${options.width}x${options.height}x3 frames`);
      }
      throw error;
    }
    const engine = options.engine ?? DEFAULT_PREDICTOR_ENGINE;
    assertOneOf(engine, PREDICTOR_ENGINES, 'engine');
    const unsupported = engine === 'layers' ? null : CompactForward.supports(model);
    if (engine === 'fused' && unsupported != null) throw new InvalidArgumentError('engine', engine, `a model the fused path supports (${unsupported})`);
    this.fused = engine !== 'layers' && unsupported == null ? new CompactForward(model) : null;
    this.engine = this.fused ? 'fused' : 'layers';
    this.model = model;
    this.keptInputs = keptInputs.slice();
    this.frames = options.frames;
    this.width = options.width;
    this.height = options.height;
    this.classes = out[1];
    this.cache = options.cacheDir !== undefined ? new FrameCache(options.cacheDir) : undefined;
    const scaleFlags = options.scaleFlags ?? DEFAULT_SCALE_FLAGS;
    assertOneOf(scaleFlags, SCALE_FLAGS, 'scaleFlags');
    this.decoder = options.decoder ?? ffmpegDecoder({ ffmpegPath: options.ffmpegPath, scaleFlags, thread: 'main' });
    this.input = new Float32Array(this.frames * keptInputs.length);
  }

  /** Loads a compact model saved by `saveCompact` (e.g. `<run>/compact`). */
  static async load(dir: string, options: CompactClipPredictorOptions): Promise<CompactClipPredictor> {
    const { model, compression } = await loadCompact(dir);
    try {
      return new CompactClipPredictor(model, compression.keptInputs, options);
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  /** Kept inputs per frame, K. */
  get features(): number {
    return this.keptInputs.length;
  }

  /**
   * Decodes a clip and classifies it. With a frame cache, a cached clip is
   * not decoded, and only its T sampled frames are read from disk.
   */
  async predict(path: string): Promise<ClipPrediction> {
    this.assertLive();
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', path, 'a clip path');
    const started = performance.now();
    const loaded = await this.load(path);
    const decodeMs = performance.now() - started;
    const result = this.run(loaded.clip, loaded.sample, loaded.frameIndices, loaded.numFrames);
    result.times.decodeMs = decodeMs;
    result.times.totalMs += decodeMs;
    return result;
  }

  /**
   * Classifies already decoded frames (width x height uint8 RGB, e.g. from a
   * worker pool or a cache). `times.decodeMs` is 0.
   */
  predictDecoded(clip: DecodedClip): ClipPrediction {
    this.assertLive();
    const sample = this.sampleOf(clip.numFrames);
    return this.run(clip, sample, sample, clip.numFrames);
  }

  /**
   * The model's input for decoded frames: samples T frames (test mode) and
   * reads the kept pixels, normalised, into `out` ([T, K] floats).
   */
  gather(clip: DecodedClip, out: Float32Array = new Float32Array(this.frames * this.features)): { features: Float32Array; frameIndices: number[] } {
    const indices = this.sampleOf(clip.numFrames);
    return { features: this.gatherer.gather(clip, { indices }, out), frameIndices: indices };
  }

  /** Runs the compact model on gathered features, [T, K] floats frame after frame. */
  predictFeatures(features: Float32Array): Float32Array {
    this.assertLive();
    if (!(features instanceof Float32Array) || features.length !== this.frames * this.features) {
      throw new InvalidArgumentError('features', features?.length, `a Float32Array of ${this.frames} x ${this.features} floats`);
    }
    if (this.fused) return this.fused.run(features);
    return tf.tidy(() => {
      const x = tf.tensor3d(features, [1, this.frames, this.features]);
      return (this.model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  /** Test-mode frame indices for a clip of `numFrames` frames. */
  private sampleOf(numFrames: number): number[] {
    return sampleFrameIndices(numFrames, this.frames, { mode: 'test', shortClip: this.shortClip }).indices;
  }

  /** Gathers frames `sample` of `clip` and runs the model; `frameIndices`/`numFrames` describe the original clip. */
  private run(clip: DecodedClip, sample: number[], frameIndices: number[], numFrames: number): ClipPrediction {
    const started = performance.now();
    this.gatherer.gather(clip, { indices: sample }, this.input);
    const gathered = performance.now();
    const probabilities = this.predictFeatures(this.input);
    const done = performance.now();
    return {
      probabilities,
      numFrames,
      frameIndices,
      times: { decodeMs: 0, gatherMs: gathered - started, modelMs: done - gathered, totalMs: done - started },
    };
  }

  /** The frames to gather from: the T sampled frames of a cache hit, else the whole decoded clip (then cached). */
  private async load(path: string): Promise<{ clip: DecodedClip; sample: number[]; frameIndices: number[]; numFrames: number }> {
    const spec: DecodeSpec = { width: this.width, height: this.height };
    if (this.cache) {
      const hit = await this.cache.getFrames(path, spec, (n) => this.sampleOf(n));
      if (hit) return { clip: hit.clip, sample: hit.indices.map((_, t) => t), frameIndices: hit.indices, numFrames: hit.numFrames };
    }
    const clip = await this.decoder(path, spec);
    if (clip.width !== this.width || clip.height !== this.height) {
      throw new Error(`decoder returned ${clip.width}x${clip.height} frames for ${path}, expected ${this.width}x${this.height}`);
    }
    if (this.cache) await this.cache.put(path, spec, clip);
    const sample = this.sampleOf(clip.numFrames);
    return { clip, sample, frameIndices: sample, numFrames: clip.numFrames };
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('CompactClipPredictor was disposed');
  }
}
