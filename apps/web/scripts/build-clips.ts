/**
 * The Node half of the "Classify clips" panel (`npm run build`): runs the
 * end-to-end app's pipeline on a small synthetic set (scripts/clips/clip-run.ts),
 * then ships into `public/clips/` the compact model, its uint8 copy, the
 * uncompressed VIB model, a few of the run's test clips as VP8 WebM at the
 * model's frame size, and `clips.json` with what Node predicts for each.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_NORMALIZATION, DEFAULT_SHORT_CLIP_POLICY, SYNTHETIC_MOTIONS } from '@tfjs-compress/video';
import { CLIP_COMPACT_DIR, CLIP_MANIFEST_FILE, CLIP_UINT8_DIR, CLIP_VIB_DIR, CLIPS_DIR, type ClipManifest } from '../src/clip-manifest.js';
import { CLIP_RUN, runClipPipeline } from './clips/clip-run.js';
import { encodeWebm } from './clips/encode-webm.js';
import { nodePredictions } from './clips/node-predictions.js';

/** Test clips shipped per class: the first ones of the run's test split, right or wrong. */
export const CLIPS_PER_CLASS = 2;
/** The synthetic clips' frame rate, kept in the WebM. */
export const CLIP_FPS = 25;

const publicDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');

export async function buildShippedClips(log: (line: string) => void = console.log): Promise<ClipManifest> {
  const out = join(publicDir, CLIPS_DIR);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'tfjs-compress-web-clips-'));
  try {
    const started = performance.now();
    const { run, results, paths, uint8Dir } = await runClipPipeline(work, log);
    cpSync(paths.compact, join(out, CLIP_COMPACT_DIR), { recursive: true });
    cpSync(uint8Dir, join(out, CLIP_UINT8_DIR), { recursive: true });
    cpSync(paths.vibModel, join(out, CLIP_VIB_DIR), { recursive: true });

    const chosen = run.classes.flatMap((_, label) => run.test.filter((clip) => clip.label === label).slice(0, CLIPS_PER_CLASS));
    const files = chosen.map((clip) => `${basename(clip.path).replace(/\.[^.]+$/, '')}.webm`);
    for (const [n, clip] of chosen.entries()) await encodeWebm(clip.path, join(out, files[n]), { width: CLIP_RUN.width, height: CLIP_RUN.height, fps: CLIP_FPS });
    const geometry = { frames: CLIP_RUN.frames, width: CLIP_RUN.width, height: CLIP_RUN.height };
    const node = await nodePredictions(files.map((file) => join(out, file)), paths.compact, uint8Dir, geometry);

    const manifest: ClipManifest = {
      ...geometry,
      fps: CLIP_FPS,
      normalization: DEFAULT_NORMALIZATION,
      shortClip: DEFAULT_SHORT_CLIP_POLICY,
      classes: run.classes,
      motions: run.classes.map((_, label) => SYNTHETIC_MOTIONS[label]),
      clips: chosen.map((clip, n) => ({
        file: files[n],
        source: basename(clip.path),
        label: clip.label,
        numFrames: node[n].numFrames,
        frameIndices: node[n].frameIndices,
        nodeProbabilities: node[n].probabilities,
        nodeUint8Probabilities: node[n].uint8Probabilities,
        nodeFfmpegRgbProbabilities: node[n].ffmpegRgbProbabilities,
        nodeKeptBytes: node[n].keptBytes,
        ffmpegRgb: node[n].ffmpegRgb,
      })),
      run: {
        seed: CLIP_RUN.seed,
        units: CLIP_RUN.units,
        epochs: CLIP_RUN.epochs + CLIP_RUN.fineTuneEpochs,
        trainClips: run.train.length,
        testClips: run.test.length,
        backend: tf.getBackend(),
        accuracy: { vib: results.before.accuracy, compact: results.after.accuracy, uint8: results.quantized?.accuracy ?? Number.NaN },
      },
    };
    writeFileSync(join(out, CLIP_MANIFEST_FILE), `${JSON.stringify(manifest)}\n`);
    const right = manifest.clips.filter((c) => argMax(c.nodeProbabilities) === c.label).length;
    log(
      `shipped clip model: ${results.keptInputs}/${results.totalInputs} inputs, ${results.keptUnits}/${results.totalUnits} units, ` +
        `test accuracy ${percent(results.before.accuracy)} (VIB) / ${percent(results.after.accuracy)} (compact) on ${run.test.length} clips; ` +
        `${right}/${manifest.clips.length} shipped clips right in Node -> public/${CLIPS_DIR}/ (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function argMax(values: number[]): number {
  return values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
}

function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(1)}%`;
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildShippedClips().catch((error: Error) => {
    console.error(`build-clips failed: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}
