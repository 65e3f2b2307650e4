/**
 * What the Node build step (`scripts/build-clips.ts`) ships for the
 * "Classify clips" panel, under `public/clips/`: the files' names and the
 * manifest's shape. Shared by both sides, browser-safe.
 */
import type { Normalization, ShortClipPolicy } from '@tfjs-compress/video/frames';

/** Relative to the page. */
export const CLIPS_DIR = 'clips';
export const CLIP_MANIFEST_FILE = 'clips.json';
/** The compact model (`saveCompact`: model.json, weights.bin, compression.json with the kept inputs). */
export const CLIP_COMPACT_DIR = 'compact';
/** The same compact model with uint8 weights (prune's `saveQuantized`). */
export const CLIP_UINT8_DIR = 'compact-uint8';
/** The uncompressed VIB model the compact one was cut from (VIBLSTM layer: needs `@tfjs-compress/vib-rnn` registered). */
export const CLIP_VIB_DIR = 'vib';

export interface ShippedClip {
  /** The WebM (VP8) file, relative to the clips dir. */
  file: string;
  /** The synthetic clip it was re-encoded from (a test clip of the Node run). */
  source: string;
  label: number;
  /** Frames ffmpeg decodes from the WebM. */
  numFrames: number;
  /** The T frames test-mode sampling picks (`sampleFrameIndices`). */
  frameIndices: number[];
  /**
   * Class probabilities of the compact model in Node (`CompactClipPredictor`), from the YUV planes ffmpeg
   * decodes, converted to RGB as the browser's canvas converts them (scripts/clips/browser-rgb.ts).
   */
  nodeProbabilities: number[];
  /** The same from the uint8 copy. */
  nodeUint8Probabilities: number[];
  /** The compact model in Node on ffmpeg's own rgb24 frames (the app's decoder), which round YUV -> RGB differently. */
  nodeFfmpegRgbProbabilities: number[];
  /** The kept pixel bytes Node read, [T * K] in the gather's order: the page compares its own decode with them. */
  nodeKeptBytes: number[];
  /** ffmpeg's rgb24 against the browser conversion, over the T sampled frames' bytes. */
  ffmpegRgb: { equalBytes: number; bytes: number; maxDifference: number };
}

export interface ClipManifest {
  /** The model's frame size: the WebM's size too, so the page never scales. */
  width: number;
  height: number;
  /** Frames per clip, T. */
  frames: number;
  /** Frame rate of the WebM files: frame i is shown from i / fps seconds. */
  fps: number;
  normalization: Normalization;
  shortClip: ShortClipPolicy;
  /** Class names (UCF11's first ones) and the synthetic motion each class is drawn with. */
  classes: string[];
  motions: string[];
  clips: ShippedClip[];
  /** The Node run: its data, training and the test accuracy of its three models. */
  run: {
    seed: number;
    units: number;
    epochs: number;
    trainClips: number;
    testClips: number;
    backend: string;
    accuracy: { vib: number; compact: number; uint8: number };
  };
}
