/**
 * "Classify clips": the end-to-end model on video, in the page. The build
 * trained it in Node on raw 32x24 frames, compacted it, and shipped a few
 * test clips as VP8 WebM. Here the browser decodes each clip (video-frames),
 * the compact model classifies it from its kept pixels (clip-classifier),
 * and the page checks itself against Node's predictions; then the
 * uncompressed VIB model and the compact one side by side.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Registers VIBLSTM, the uncompressed model's recurrent layer, for tf.loadLayersModel.
import '@tfjs-compress/vib-rnn';
import { quantize } from '@tfjs-compress/prune';
import type { DecodedClip } from '@tfjs-compress/video/frames';
import { CLIP_COMPACT_DIR, CLIP_MANIFEST_FILE, CLIP_UINT8_DIR, CLIP_VIB_DIR, CLIPS_DIR, type ClipManifest } from './clip-manifest.js';
import { ClipClassifier } from './clip-classifier.js';
import { compareClip, type ClipRow } from './clip-row.js';
import { renderClipRow, renderClipsSummary, type ClipsView } from './clips-view.js';
import { medianLatency, type Latency } from './measure.js';
import { VideoFrameReader } from './video-frames.js';

export type { ClipRow } from './clip-row.js';

export const CLIP_LATENCY_RUNS = 30;

export interface ModelSide {
  params: number;
  /** weights.bin as shipped (float32). */
  weightBytes: number;
  /** The weights as uint8: the shipped copy for the compact model, `quantize` in the page for the VIB model. */
  uint8Bytes: number;
  /** Values the model reads per clip. */
  inputValues: number;
  latency: Latency;
  /** Shipped clips it classifies right in this page. */
  correct: number;
}

export interface ClipsResult {
  backend: string;
  classes: string[];
  clips: ClipRow[];
  keptInputs: number;
  totalInputs: number;
  vib: ModelSide;
  compact: ModelSide;
  uint8: { weightBytes: number; correct: number };
  /** The Node run's test accuracy (all its test clips) of the three models. */
  nodeAccuracy: ClipManifest['run']['accuracy'];
}

function url(file: string): string {
  return new URL(`${CLIPS_DIR}/${file}`, document.baseURI).href;
}

async function fetchOk(file: string): Promise<Response> {
  const response = await fetch(url(file));
  if (!response.ok) throw new Error(`${CLIPS_DIR}/${file}: HTTP ${response.status} (run the app's build first)`);
  return response;
}

async function fileBytes(file: string): Promise<number> {
  return (await (await fetchOk(file)).arrayBuffer()).byteLength;
}

/** The shipped models and clips, loaded once; `classifyAll` may run again (the test's leak check). */
export class ClipsPanel {
  private constructor(
    readonly manifest: ClipManifest,
    readonly classifier: ClipClassifier,
    readonly uint8Model: tfl.LayersModel,
    readonly vibModel: tfl.LayersModel,
    readonly view: ClipsView,
  ) {}

  /** The first clip's sampled frames and kept features, from the last `classifyAll`: the latency input. */
  private first: { frames: DecodedClip; features: Float32Array } | null = null;
  /** Each clip's T sampled frames as the last `classifyAll` decoded them (the test compares them with ffmpeg's). */
  lastFrames: DecodedClip[] = [];

  static async load(panel: HTMLElement): Promise<ClipsPanel> {
    const status = panel.querySelector<HTMLElement>('.status')!;
    status.textContent = 'Loading the shipped clip models…';
    const manifest = (await (await fetchOk(CLIP_MANIFEST_FILE)).json()) as ClipManifest;
    // What any site would do with a compact model: plain tfjs, and the kept inputs from compression.json.
    const { keptInputs } = (await (await fetchOk(`${CLIP_COMPACT_DIR}/compression.json`)).json()) as { keptInputs: number[] };
    const compact = await tfl.loadLayersModel(url(`${CLIP_COMPACT_DIR}/model.json`));
    const uint8Model = await tfl.loadLayersModel(url(`${CLIP_UINT8_DIR}/model.json`));
    const vibModel = await tfl.loadLayersModel(url(`${CLIP_VIB_DIR}/model.json`));
    const classifier = new ClipClassifier(compact, keptInputs, manifest);
    const view: ClipsView = { panel, manifest };
    return new ClipsPanel(manifest, classifier, uint8Model, vibModel, view);
  }

  /** Decodes and classifies every shipped clip, one row each. */
  async classifyAll(): Promise<ClipRow[]> {
    const rows: ClipRow[] = [];
    this.lastFrames = [];
    const table = this.view.panel.querySelector<HTMLTableSectionElement>('.clip-rows')!;
    table.replaceChildren();
    for (const [n, clip] of this.manifest.clips.entries()) {
      this.status(`Decoding and classifying clip ${n + 1} of ${this.manifest.clips.length}…`);
      const video = document.createElement('video');
      const row = table.insertRow();
      row.insertCell().append(video);
      const reader = await VideoFrameReader.open(video, url(clip.file), this.manifest.fps);
      const result = await this.classifier.classify(reader);
      const uint8Probabilities = await this.classifier.predict(this.uint8Model, result.features);
      const vibProbabilities = await this.vibPredict(result.frames);
      const clipRow = compareClip(clip, reader.numFrames, result, this.classifier.keptInputs, { uint8: uint8Probabilities, vib: vibProbabilities });
      renderClipRow(this.view, row, clipRow, result.frames);
      rows.push(clipRow);
      this.lastFrames.push(result.frames);
      if (n === 0) this.first = { frames: result.frames, features: result.features };
    }
    this.status('');
    return rows;
  }

  /** Classifies the clips, then times both models on the page's backend and sets them side by side. */
  async run(backend: string): Promise<ClipsResult> {
    this.status('Preparing the models on this backend…');
    await this.warmUp();
    const clips = await this.classifyAll();
    this.status(`Timing ${CLIP_LATENCY_RUNS} predictions of each model…`);
    const { frames, features } = this.first!;
    const compactInput = this.classifier.input(features);
    const vibInput = this.classifier.fullInput(frames);
    const compactLatency = await medianLatency(this.classifier.model, compactInput, CLIP_LATENCY_RUNS);
    const vibLatency = await medianLatency(this.vibModel, vibInput, CLIP_LATENCY_RUNS);
    tf.dispose([compactInput, vibInput]);
    const vibQuantized = await quantize(this.vibModel, { dtype: 'uint8' });
    const correct = (pick: (row: ClipRow) => number) => clips.filter((row) => pick(row) === row.label).length;
    const { width, height, frames: T } = this.manifest;
    const result: ClipsResult = {
      backend,
      classes: this.manifest.classes,
      clips,
      keptInputs: this.classifier.features,
      totalInputs: width * height * 3,
      vib: {
        params: this.vibModel.countParams(),
        weightBytes: await fileBytes(`${CLIP_VIB_DIR}/weights.bin`),
        uint8Bytes: vibQuantized.bytesAfter,
        inputValues: T * width * height * 3,
        latency: vibLatency,
        correct: correct((row) => row.vib.predicted),
      },
      compact: {
        params: this.classifier.model.countParams(),
        weightBytes: await fileBytes(`${CLIP_COMPACT_DIR}/weights.bin`),
        uint8Bytes: await fileBytes(`${CLIP_UINT8_DIR}/weights.bin`),
        inputValues: T * this.classifier.features,
        latency: compactLatency,
        correct: correct((row) => row.predicted),
      },
      uint8: { weightBytes: await fileBytes(`${CLIP_UINT8_DIR}/weights.bin`), correct: correct((row) => row.uint8.predicted) },
      nodeAccuracy: this.manifest.run.accuracy,
    };
    renderClipsSummary(this.view, result, frames, this.classifier.keptInputs);
    this.status('');
    return result;
  }

  /** One untimed prediction per model: a GPU backend compiles its shaders on the first one, which no clip should pay for. */
  private async warmUp(): Promise<void> {
    const { frames, width, height } = this.manifest;
    const compactInput = tf.zeros([1, frames, this.classifier.features]);
    const vibInput = tf.zeros([1, frames, width * height * 3]);
    for (const [model, x] of [[this.classifier.model, compactInput], [this.uint8Model, compactInput], [this.vibModel, vibInput]] as const) {
      const y = tf.tidy(() => model.predict(x) as tf.Tensor);
      await y.data();
      y.dispose();
    }
    tf.dispose([compactInput, vibInput]);
  }

  /** The uncompressed model on every pixel of the sampled frames. */
  private async vibPredict(frames: DecodedClip): Promise<number[]> {
    const y = tf.tidy(() => this.vibModel.predict(this.classifier.fullInput(frames)) as tf.Tensor);
    try {
      return Array.from(await y.data());
    } finally {
      y.dispose();
    }
  }

  private status(text: string): void {
    this.view.panel.querySelector<HTMLElement>('.status')!.textContent = text;
  }
}
