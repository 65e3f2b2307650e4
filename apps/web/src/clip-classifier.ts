/**
 * The compact model's per-clip path in the page, as the end-to-end app runs
 * it in Node (`CompactClipPredictor`): sample T frames (test mode), decode
 * only those, read only the kept pixels normalised as in training
 * (`FeatureGather`), then the compact LSTM. Sampling, gathering and the
 * normalisation tables are the video package's own (`/frames` subpath).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FeatureGather, normalizationTable, normalizeInto, sampleFrameIndices, type DecodedClip, type Normalization, type ShortClipPolicy } from '@tfjs-compress/video/frames';
import type { VideoFrameReader } from './video-frames.js';

export interface ClipGeometry {
  frames: number;
  width: number;
  height: number;
  normalization: Normalization;
  shortClip: ShortClipPolicy;
}

/** Wall time of each stage of one clip, in ms. */
export interface ClipTimes {
  /** Seeking the `<video>` to the T sampled frames and reading their pixels from a canvas. */
  decodeMs: number;
  /** The kept pixels of those frames, normalised, into a [T, K] Float32Array. */
  gatherMs: number;
  /** The compact model on [1, T, K], probabilities read back. */
  modelMs: number;
}

export interface ClipClassification {
  frameIndices: number[];
  /** The T sampled frames as decoded (RGB), frame after frame. */
  frames: DecodedClip;
  /** The model's input, [T, K]. */
  features: Float32Array;
  probabilities: number[];
  times: ClipTimes;
}

export class ClipClassifier {
  readonly gatherer: FeatureGather;
  /** Kept features per frame, K. */
  readonly features: number;
  private readonly table: Float32Array;

  constructor(
    readonly model: tfl.LayersModel,
    readonly keptInputs: readonly number[],
    readonly geometry: ClipGeometry,
  ) {
    const shape = model.inputs[0]?.shape;
    if (model.inputs.length !== 1 || shape?.length !== 3 || shape[2] !== keptInputs.length) {
      throw new Error(`keptInputs: got ${keptInputs.length} indices, expected one per input feature of the model (input shape ${JSON.stringify(shape)})`);
    }
    if (shape[1] != null && shape[1] !== geometry.frames) throw new Error(`frames: got ${geometry.frames}, expected the model's ${shape[1]} time steps`);
    this.gatherer = new FeatureGather(keptInputs, geometry);
    this.features = keptInputs.length;
    this.table = normalizationTable(geometry.normalization);
  }

  /** The frames test mode takes from a clip of `numFrames` frames. */
  sample(numFrames: number): number[] {
    return sampleFrameIndices(numFrames, this.geometry.frames, { mode: 'test', shortClip: this.geometry.shortClip }).indices;
  }

  async classify(reader: VideoFrameReader): Promise<ClipClassification> {
    if (reader.width !== this.geometry.width || reader.height !== this.geometry.height) {
      throw new Error(`${reader.video.currentSrc}: ${reader.width}x${reader.height} frames, the model reads ${this.geometry.width}x${this.geometry.height}`);
    }
    const started = performance.now();
    const frameIndices = this.sample(reader.numFrames);
    const frames = await reader.readFrames(frameIndices);
    const decoded = performance.now();
    const features = this.gatherer.gather(frames, { indices: frameIndices.map((_, t) => t) });
    const gathered = performance.now();
    const probabilities = await this.predict(this.model, features);
    const done = performance.now();
    return { frameIndices, frames, features, probabilities, times: { decodeMs: decoded - started, gatherMs: gathered - decoded, modelMs: done - gathered } };
  }

  /** Another model on the same kept features (the uint8 copy). */
  async predict(model: tfl.LayersModel, features: Float32Array): Promise<number[]> {
    const y = tf.tidy(() => model.predict(this.input(features)) as tf.Tensor);
    try {
      return Array.from(await y.data());
    } finally {
      y.dispose();
    }
  }

  /** [1, T, K] for the compact models. */
  input(features: Float32Array): tf.Tensor3D {
    return tf.tensor3d(features, [1, this.geometry.frames, this.features]);
  }

  /** [1, T, H*W*3]: every pixel normalised, what the uncompressed model reads. */
  fullInput(frames: DecodedClip): tf.Tensor3D {
    const values = new Float32Array(frames.data.length);
    normalizeInto(frames.data, this.table, values);
    return tf.tensor3d(values, [1, frames.numFrames, frames.width * frames.height * 3]);
  }
}
