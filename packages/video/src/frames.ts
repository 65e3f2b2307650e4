/**
 * `@tfjs-compress/video/frames`: what a page needs to feed a model frames it
 * decoded itself (a `<video>` drawn to a canvas, a camera): test- and
 * train-mode frame sampling, the normalisation tables, and `FeatureGather`
 * (only a compact model's kept pixels). The package root also loads ffmpeg
 * and file-system code; nothing this entry imports needs `node:`
 * (test/frames-bundle.test.ts bundles it for a browser).
 */
export {
  DEFAULT_SHORT_CLIP_POLICY,
  gatherFrames,
  sampleFrameIndices,
  type FrameSample,
  type FrameSamplingOptions,
  type SamplingMode,
  type ShortClipPolicy,
} from './frame-sampler.js';
export {
  DEFAULT_NORMALIZATION,
  IMAGENET_MEAN,
  IMAGENET_STD,
  normalizationTable,
  normalizeInto,
  type Normalization,
} from './normalization.js';
export { FeatureGather, type FeatureGatherOptions } from './feature-gather.js';
export type { DecodedClip } from './decode-clip.js';
