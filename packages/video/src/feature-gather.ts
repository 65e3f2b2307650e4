import { assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import type { DecodedClip } from './decode-clip.js';
import type { FrameSample } from './frame-sampler.js';
import { DEFAULT_NORMALIZATION, normalizationTable, type Normalization } from './normalization.js';

export interface FeatureGatherOptions {
  /** Frame width in pixels (of the decoded frames and of the features' [H, W, 3] layout). */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** How bytes become floats; must be what the model was trained on. Default: DEFAULT_NORMALIZATION ('imagenet'). */
  normalization?: Normalization;
}

/**
 * Reads a fixed set of features of flattened [H, W, 3] frames straight out of
 * decoded uint8 frames, normalised on the way (one table read per feature).
 * A compact model that reads 1% of the pixels then never pays for
 * normalising, or even holding as floats, the other 99%.
 *
 * Feature f of a frame is byte f of its interleaved RGB row-major layout:
 * pixel (y, x) = floor(f / 3) as y * width + x, channel f % 3. That is the
 * layout of `toBatchTensors`' 'flat' batches, so `keptInputs` of a compact
 * model index it directly.
 */
export class FeatureGather {
  readonly width: number;
  readonly height: number;
  /** Features per frame, width * height * 3. */
  readonly frameFeatures: number;
  /** Features gathered per frame, K. */
  readonly size: number;
  /** Byte offset within a frame of each gathered feature. */
  private readonly offsets: Int32Array;
  /** The same offsets for a left-right mirrored frame (x -> width - 1 - x). */
  private readonly mirroredOffsets: Int32Array;
  /** Start of each feature's channel row in the 3 x 256 normalisation table. */
  private readonly channelBase: Int32Array;
  private readonly table: Float32Array;

  /**
   * @param featureIndices indices into one flattened frame, each an integer in
   *   [0, width * height * 3); any order, repeats allowed. Copied.
   */
  constructor(featureIndices: ArrayLike<number>, options: FeatureGatherOptions) {
    assertPositiveInteger(options.width, 'width');
    assertPositiveInteger(options.height, 'height');
    this.width = options.width;
    this.height = options.height;
    this.frameFeatures = this.width * this.height * 3;
    if (featureIndices == null || typeof featureIndices.length !== 'number' || featureIndices.length === 0) {
      throw new InvalidArgumentError('featureIndices', featureIndices, 'a non-empty list of feature indices');
    }
    this.table = normalizationTable(options.normalization ?? DEFAULT_NORMALIZATION);
    this.size = featureIndices.length;
    this.offsets = new Int32Array(this.size);
    this.mirroredOffsets = new Int32Array(this.size);
    this.channelBase = new Int32Array(this.size);
    const rowBytes = this.width * 3;
    for (let k = 0; k < this.size; k++) {
      const f = featureIndices[k];
      if (!Number.isInteger(f) || f < 0 || f >= this.frameFeatures) {
        throw new InvalidArgumentError('featureIndices', `${f} at position ${k}`, `integers in [0, ${this.frameFeatures}) (${this.width}x${this.height}x3)`);
      }
      const channel = f % 3;
      const y = Math.floor(f / rowBytes);
      const x = Math.floor((f % rowBytes) / 3);
      this.offsets[k] = f;
      this.mirroredOffsets[k] = y * rowBytes + (this.width - 1 - x) * 3 + channel;
      this.channelBase[k] = channel * 256;
    }
  }

  /**
   * Gathers the features of the sampled frames of a clip into `out`, frame
   * after frame: [T, K] floats, T = sample.indices.length. With `sample.flip`
   * the features are read as from the mirrored frame, as `gatherFrames` does.
   * Returns `out` (allocated when not given).
   */
  gather(
    clip: DecodedClip,
    sample: Pick<FrameSample, 'indices'> & Partial<Pick<FrameSample, 'flip'>>,
    out: Float32Array = new Float32Array(sample.indices.length * this.size),
  ): Float32Array {
    if (clip.width !== this.width || clip.height !== this.height) {
      throw new InvalidArgumentError('clip', `${clip.width}x${clip.height} frames`, `${this.width}x${this.height} frames`);
    }
    if (clip.data.length < clip.numFrames * this.frameFeatures) {
      throw new InvalidArgumentError('clip', `${clip.data.length} bytes`, `${clip.numFrames} frames of ${this.frameFeatures} bytes`);
    }
    const frames = sample.indices;
    if (out.length !== frames.length * this.size) {
      throw new InvalidArgumentError('out', `${out.length} floats`, `${frames.length} frames x ${this.size} features`);
    }
    const offsets = sample.flip ? this.mirroredOffsets : this.offsets;
    const { channelBase, table, size } = this;
    const data = clip.data;
    for (let t = 0; t < frames.length; t++) {
      const frame = frames[t];
      if (!Number.isInteger(frame) || frame < 0 || frame >= clip.numFrames) {
        throw new InvalidArgumentError('sample', `frame ${frame}`, `frame indices in [0, ${clip.numFrames})`);
      }
      const src = frame * this.frameFeatures;
      const dst = t * size;
      for (let k = 0; k < size; k++) out[dst + k] = table[channelBase[k] + data[src + offsets[k]]];
    }
    return out;
  }
}
