/**
 * What Node says about each shipped WebM, through the end-to-end app's own
 * per-clip path (`CompactClipPredictor.predictDecoded`: test-mode sampling,
 * kept pixels, the training normalisation) on ffmpeg's decode of the very
 * file the page decodes, twice: with the browser's YUV -> RGB conversion
 * (browser-rgb.ts: the page must reproduce these), and with ffmpeg's own
 * rgb24 (the app's decoder: how much the conversion alone moves).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler, loadCompact } from '@tfjs-compress/prune/node';
import { CompactClipPredictor } from '@tfjs-compress/ucf11-e2e';
import { decodeClip, type DecodedClip } from '@tfjs-compress/video';
import { decodeLikeBrowser } from './browser-rgb.js';

export interface NodeClipPrediction {
  numFrames: number;
  frameIndices: number[];
  probabilities: number[];
  uint8Probabilities: number[];
  ffmpegRgbProbabilities: number[];
  keptBytes: number[];
  /** ffmpeg's rgb24 against the browser conversion, over the sampled frames. */
  ffmpegRgb: { equalBytes: number; bytes: number; maxDifference: number };
}

export interface ClipGeometry {
  frames: number;
  width: number;
  height: number;
}

function sampledBytes(clip: DecodedClip, frameIndices: readonly number[]): Uint8Array[] {
  const frameBytes = clip.width * clip.height * 3;
  return frameIndices.map((frame) => clip.data.subarray(frame * frameBytes, (frame + 1) * frameBytes));
}

export async function nodePredictions(webms: readonly string[], compactDir: string, uint8Dir: string, geometry: ClipGeometry): Promise<NodeClipPrediction[]> {
  const { model, compression } = await loadCompact(compactDir);
  // 'layers': model.predict, as the page runs the model (the app's default may take its fused JavaScript path).
  const options = { ...geometry, engine: 'layers' } as const;
  const compact = new CompactClipPredictor(model, compression.keptInputs, options);
  const uint8 = new CompactClipPredictor(await tfl.loadLayersModel(fileSystemHandler(uint8Dir)), compression.keptInputs, options);
  try {
    const frameBytes = geometry.width * geometry.height * 3;
    const predictions: NodeClipPrediction[] = [];
    for (const webm of webms) {
      const spec = { width: geometry.width, height: geometry.height };
      const clip = await decodeLikeBrowser(webm, spec);
      // The app's decoder: ffmpeg, rgb24, 'area' (a no-op resize at this size).
      const ffmpegClip = await decodeClip(webm, spec);
      if (ffmpegClip.numFrames !== clip.numFrames) throw new Error(`${webm}: ${clip.numFrames} yuv420p frames but ${ffmpegClip.numFrames} rgb24 frames`);
      const p = compact.predictDecoded(clip);
      const q = uint8.predictDecoded(clip);
      const a = compact.predictDecoded(ffmpegClip);
      const keptBytes = p.frameIndices.flatMap((frame) => compression.keptInputs.map((f) => clip.data[frame * frameBytes + f]));
      const ours = sampledBytes(clip, p.frameIndices);
      const theirs = sampledBytes(ffmpegClip, p.frameIndices);
      let equalBytes = 0;
      let maxDifference = 0;
      ours.forEach((frame, t) =>
        frame.forEach((v, i) => {
          const d = Math.abs(v - theirs[t][i]);
          if (d === 0) equalBytes++;
          maxDifference = Math.max(maxDifference, d);
        }),
      );
      predictions.push({
        numFrames: clip.numFrames,
        frameIndices: p.frameIndices,
        probabilities: Array.from(p.probabilities),
        uint8Probabilities: Array.from(q.probabilities),
        ffmpegRgbProbabilities: Array.from(a.probabilities),
        keptBytes,
        ffmpegRgb: { equalBytes, bytes: ours.length * frameBytes, maxDifference },
      });
    }
    return predictions;
  } finally {
    compact.dispose();
    uint8.dispose();
  }
}
