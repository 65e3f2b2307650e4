/**
 * The "Classify clips" panel's markup: a row per clip (the video, the T
 * frames the model read, the page's, Node's and the uint8 copy's
 * predictions, the timings), then the summary and the two models side by
 * side.
 */
import type { DecodedClip } from '@tfjs-compress/video/frames';
import { CLIP_UINT8_DIR, CLIPS_DIR, type ClipManifest } from './clip-manifest.js';
import type { ClipRow } from './clip-row.js';
import type { ClipsResult } from './clips-panel.js';
import { formatBytes, median, percent } from './measure.js';

export interface ClipsView {
  panel: HTMLElement;
  manifest: ClipManifest;
}

/** Screen pixels per video pixel: the sampled frames, and the video itself. */
const STRIP_ZOOM = 1.5;
const VIDEO_ZOOM = 3;

/** Frames of `clip` side by side on one canvas (RGB -> RGBA), optionally dimmed where `keep` is false. */
function filmstrip(clip: DecodedClip, keep?: (pixel: number) => boolean, zoom = STRIP_ZOOM): HTMLCanvasElement {
  const { width, height, numFrames } = clip;
  const canvas = document.createElement('canvas');
  canvas.width = width * numFrames;
  canvas.height = height;
  canvas.style.width = `${canvas.width * zoom}px`;
  const image = new ImageData(canvas.width, height);
  for (let t = 0; t < numFrames; t++) {
    for (let p = 0; p < width * height; p++) {
      const src = (t * width * height + p) * 3;
      const x = t * width + (p % width);
      const dst = (Math.floor(p / width) * canvas.width + x) * 4;
      const dim = keep && !keep(p) ? 0.25 : 1;
      image.data[dst] = clip.data[src] * dim;
      image.data[dst + 1] = clip.data[src + 1] * dim;
      image.data[dst + 2] = clip.data[src + 2] * dim;
      image.data[dst + 3] = 255;
    }
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

function cell(row: HTMLTableRowElement, html: string, key?: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.innerHTML = html;
  if (key) td.dataset.k = key;
  return td;
}

function prediction(view: ClipsView, probabilities: readonly number[], predicted: number): string {
  return `${view.manifest.classes[predicted]} <span class="p">${probabilities[predicted].toFixed(3)}</span>`;
}

export function renderClipRow(view: ClipsView, row: HTMLTableRowElement, r: ClipRow, frames: DecodedClip): void {
  const video = row.cells[0].querySelector('video')!;
  video.className = 'clip-video';
  video.loop = true;
  video.title = `${r.file}: click to play or pause`;
  video.style.width = `${frames.width * VIDEO_ZOOM}px`;
  video.addEventListener('click', () => void (video.paused ? video.play() : video.pause()));
  const strip = row.insertCell();
  strip.append(filmstrip(frames));
  strip.insertAdjacentHTML('beforeend', `<div class="note">frames ${r.frameIndices.join(', ')} of ${r.numFrames}</div>`);
  const { classes, motions } = view.manifest;
  cell(row, `${classes[r.label]}<div class="note">${motions[r.label]}</div>`);
  cell(row, prediction(view, r.probabilities, r.predicted), 'page').classList.add(r.predicted === r.label ? 'ok' : 'wrong');
  cell(row, `${prediction(view, r.nodeProbabilities, r.nodePredicted)}<div class="note">|Δp| ${r.maxDifferenceFromNode.toExponential(1)}</div>`);
  cell(row, prediction(view, r.uint8.probabilities, r.uint8.predicted));
  cell(row, `${r.keptBytes.equal}/${r.keptBytes.total}<div class="note">max |Δ| ${r.keptBytes.maxDifference}</div>`);
  const t = r.times;
  cell(row, `${t.decodeMs.toFixed(1)} / ${t.gatherMs.toFixed(2)} / ${t.modelMs.toFixed(1)}`, 'times');
}

export function renderClipsSummary(view: ClipsView, r: ClipsResult, firstFrames: DecodedClip, kept: readonly number[]): void {
  const n = r.clips.length;
  const sameClass = r.clips.filter((c) => c.predicted === c.nodePredicted).length;
  const maxDifference = Math.max(...r.clips.map((c) => c.maxDifferenceFromNode));
  const uint8Difference = Math.max(...r.clips.map((c) => c.uint8.maxDifferenceFromNode));
  const equalBytes = r.clips.reduce((s, c) => s + c.keptBytes.equal, 0);
  const totalBytes = r.clips.reduce((s, c) => s + c.keptBytes.total, 0);
  const maxByte = Math.max(...r.clips.map((c) => c.keptBytes.maxDifference));
  const vibSame = r.clips.filter((c) => c.vib.predicted === c.predicted).length;
  const ffmpegSame = r.clips.filter((c) => c.ffmpegRgb.predicted === c.predicted).length;
  const ffmpegDifference = Math.max(...r.clips.map((c) => c.ffmpegRgb.maxDifference));
  const shipped = view.manifest.clips;
  const ffmpegBytes = shipped.reduce((s, c) => s + c.ffmpegRgb.bytes, 0);
  const ffmpegEqual = shipped.reduce((s, c) => s + c.ffmpegRgb.equalBytes, 0);
  const ffmpegMaxByte = Math.max(...shipped.map((c) => c.ffmpegRgb.maxDifference));
  const vibDifference = Math.max(...r.clips.map((c) => c.vib.maxDifferenceFromCompact));
  const ms = (pick: (c: ClipRow) => number) => median(r.clips.map(pick));
  const times = (a: number, b: number) => `${(a / Math.max(b, 1e-9)).toFixed(1)}x`;
  const acc = r.nodeAccuracy;
  const { frames: T, width, height } = view.manifest;
  const keptPixels = new Set(kept.map((f) => Math.floor(f / 3)));
  const summary = view.panel.querySelector<HTMLElement>('.clips-summary')!;
  summary.innerHTML = `
    <dl class="facts clip-facts">
      <div><dt>same as Node</dt><dd data-k="clips-agreement">${sameClass}/${n} classes; probabilities within ${maxDifference.toExponential(1)} (uint8 copy: ${uint8Difference.toExponential(1)});
        kept pixel bytes ${equalBytes.toLocaleString('en')}/${totalBytes.toLocaleString('en')} identical to Node's, max |Δ| ${maxByte}</dd></div>
      <div><dt>ffmpeg's RGB</dt><dd data-k="clips-ffmpeg-rgb">Node on ffmpeg's own rgb24 frames (the app's decoder): ${ffmpegSame}/${n} classes as the page, probabilities within ${ffmpegDifference.toExponential(1)}.
        ffmpeg rounds YUV -> RGB differently from the browser: ${percent(ffmpegEqual / ffmpegBytes)} of the bytes equal, the rest within ${ffmpegMaxByte} levels</dd></div>
      <div><dt>right</dt><dd data-k="clips-accuracy">compact ${r.compact.correct}/${n}, uint8 copy ${r.uint8.correct}/${n}, VIB model ${r.vib.correct}/${n} shipped clips.
        In Node, on all ${view.manifest.run.testClips} test clips: ${percent(acc.compact)}, ${percent(acc.uint8)}, ${percent(acc.vib)}</dd></div>
      <div><dt>VIB = compact</dt><dd>${vibSame}/${n} classes, probabilities within ${vibDifference.toExponential(1)}</dd></div>
      <div><dt>per clip</dt><dd data-k="clips-times">median decode ${ms((c) => c.times.decodeMs).toFixed(1)} ms, gather ${ms((c) => c.times.gatherMs).toFixed(2)} ms, model ${ms((c) => c.times.modelMs).toFixed(1)} ms</dd></div>
    </dl>
    <div>
    <table class="compare">
      <thead><tr><th></th><th>VIB model (uncompressed)</th><th>compact model</th><th>smaller / faster</th></tr></thead>
      <tbody>
        <tr><th>parameters</th><td data-k="clip-vib-params">${r.vib.params.toLocaleString('en')}</td><td data-k="clip-compact-params">${r.compact.params.toLocaleString('en')}</td><td>${times(r.vib.params, r.compact.params)}</td></tr>
        <tr><th>reads per clip</th><td>${r.vib.inputValues.toLocaleString('en')} values</td><td>${r.compact.inputValues.toLocaleString('en')} values</td><td>${times(r.vib.inputValues, r.compact.inputValues)}</td></tr>
        <tr><th>weights, float32</th><td data-k="clip-vib-bytes">${formatBytes(r.vib.weightBytes)}</td><td data-k="clip-compact-bytes">${formatBytes(r.compact.weightBytes)}</td><td>${times(r.vib.weightBytes, r.compact.weightBytes)}</td></tr>
        <tr><th>weights, uint8</th><td data-k="clip-vib-uint8-bytes">${formatBytes(r.vib.uint8Bytes)}</td><td data-k="clip-uint8-bytes">${formatBytes(r.compact.uint8Bytes)}</td><td>${times(r.vib.uint8Bytes, r.compact.uint8Bytes)}</td></tr>
        <tr><th>latency (${r.backend})</th><td data-k="clip-vib-latency">${r.vib.latency.medianMs.toFixed(2)} ms</td><td data-k="clip-compact-latency">${r.compact.latency.medianMs.toFixed(2)} ms</td><td>${times(r.vib.latency.medianMs, r.compact.latency.medianMs)}</td></tr>
        <tr><th>shipped clips right</th><td>${r.vib.correct}/${n}</td><td data-k="clip-compact-correct">${r.compact.correct}/${n} (uint8: ${r.uint8.correct}/${n})</td><td></td></tr>
      </tbody>
    </table>
    <figure class="kept-map"><figcaption>The ${keptPixels.size} of ${width * height} pixels the compact model reads a channel of (${r.keptInputs} of ${r.totalInputs.toLocaleString('en')} values per frame), bright, over the first clip's frames</figcaption></figure>
    <p class="note">Latency: median of ${r.vib.latency.runs} <code>predict</code> calls on one clip ([1, ${T}, ${(width * height * 3).toLocaleString('en')}] and [1, ${T}, ${r.keptInputs}]) after 3 untimed ones.
    The VIB model's uint8 bytes are <code>quantize</code>'s in this page; the compact model's are the shipped <code>${CLIPS_DIR}/${CLIP_UINT8_DIR}/weights.bin</code>.
    The VIB model is the model as training left it, full size, gates included; the compact model is a plain <code>tf.layers.lstm</code> + head.</p>
    </div>`;
  summary.querySelector('.kept-map')!.append(filmstrip(firstFrames, (p) => keptPixels.has(p), 2));
}
