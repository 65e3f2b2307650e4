/**
 * One clip's line in the "Classify clips" panel: what the page computed
 * for it set against what Node shipped for it (classes, probabilities,
 * the kept pixel bytes), and against the uint8 copy and the VIB model.
 */
import type { ShippedClip } from './clip-manifest.js';
import type { ClipClassification, ClipTimes } from './clip-classifier.js';
import { argMaxRows, maxAbsDifference } from './measure.js';

export interface ClipRow {
  file: string;
  label: number;
  /** Frames the page counts in the WebM, and Node's count (ffmpeg). */
  numFrames: number;
  nodeNumFrames: number;
  frameIndices: number[];
  predicted: number;
  nodePredicted: number;
  probabilities: number[];
  nodeProbabilities: number[];
  /** Largest |page - Node| over the classes. */
  maxDifferenceFromNode: number;
  uint8: { predicted: number; probabilities: number[]; maxDifferenceFromNode: number };
  /** The uncompressed VIB model on all pixels of the same frames. */
  vib: { predicted: number; maxDifferenceFromCompact: number };
  /** The kept pixel bytes the page decoded against Node's for the same frames. */
  keptBytes: { equal: number; total: number; maxDifference: number };
  /** Node on ffmpeg's own rgb24 frames (the app's decoder): its class and how far its probabilities are from the page's. */
  ffmpegRgb: { predicted: number; maxDifference: number };
  times: ClipTimes;
}

/** `numFrames`: the page's count of the clip's frames; `others`: the uint8 copy's and the VIB model's probabilities on the same frames. */
export function compareClip(
  clip: ShippedClip,
  numFrames: number,
  result: ClipClassification,
  keptInputs: readonly number[],
  others: { uint8: number[]; vib: number[] },
): ClipRow {
  const frameBytes = result.frames.width * result.frames.height * 3;
  let equal = 0;
  let maxDifference = 0;
  result.frameIndices.forEach((_, t) =>
    keptInputs.forEach((f, k) => {
      const d = Math.abs(result.frames.data[t * frameBytes + f] - clip.nodeKeptBytes[t * keptInputs.length + k]);
      if (d === 0) equal++;
      maxDifference = Math.max(maxDifference, d);
    }),
  );
  const [predicted, nodePredicted, uint8Predicted, vibPredicted, ffmpegRgbPredicted] = argMaxRows([
    result.probabilities, clip.nodeProbabilities, others.uint8, others.vib, clip.nodeFfmpegRgbProbabilities,
  ]);
  return {
    file: clip.file,
    label: clip.label,
    numFrames,
    nodeNumFrames: clip.numFrames,
    frameIndices: result.frameIndices,
    predicted,
    nodePredicted,
    probabilities: result.probabilities,
    nodeProbabilities: clip.nodeProbabilities,
    maxDifferenceFromNode: maxAbsDifference(result.probabilities, clip.nodeProbabilities),
    uint8: { predicted: uint8Predicted, probabilities: others.uint8, maxDifferenceFromNode: maxAbsDifference(others.uint8, clip.nodeUint8Probabilities) },
    vib: { predicted: vibPredicted, maxDifferenceFromCompact: maxAbsDifference(others.vib, result.probabilities) },
    keptBytes: { equal, total: keptInputs.length * result.frameIndices.length, maxDifference },
    ffmpegRgb: { predicted: ffmpegRgbPredicted, maxDifference: maxAbsDifference(result.probabilities, clip.nodeFfmpegRgbProbabilities) },
    times: result.times,
  };
}
