/**
 * The compact clip model on a live camera: every presented camera frame is
 * drawn at the model's frame size into a ring of the last `windowFrames`
 * frames; every `every` frames, that window is classified as a clip, with
 * the same test-mode sampling, kept-pixel gather and normalisation as the
 * shipped clips (ClipClassifier).
 */
import type { DecodedClip } from '@tfjs-compress/video/frames';
import { argMaxRows } from './measure.js';
import type { ClipClassifier } from './clip-classifier.js';

export interface CameraUpdate {
  /** Camera frames captured so far. */
  frames: number;
  /** Windows classified so far. */
  classified: number;
  probabilities: number[];
  predicted: number;
  /** The last window's kept-pixel gather and model time, ms. */
  gatherMs: number;
  modelMs: number;
  /** The camera's frame size, before the draw at the model's size. */
  cameraWidth: number;
  cameraHeight: number;
}

export interface CameraOptions {
  /** Frames in the window classified as one clip (the shipped clips' length). */
  windowFrames: number;
  /** Classify after this many new frames. */
  every: number;
  onUpdate: (update: CameraUpdate) => void;
}

export class CameraClassifier {
  private readonly ring: Uint8Array[];
  private readonly context: CanvasRenderingContext2D;
  private stream: MediaStream | null = null;
  private video: HTMLVideoElement | null = null;
  private frames = 0;
  private classified = 0;
  private busy = false;

  constructor(
    private readonly classifier: ClipClassifier,
    private readonly options: CameraOptions,
  ) {
    for (const name of ['windowFrames', 'every'] as const) {
      const value = options[name];
      if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: got ${value}, expected a positive integer`);
    }
    const { width, height } = classifier.geometry;
    this.ring = Array.from({ length: options.windowFrames }, () => new Uint8Array(width * height * 3));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context == null) throw new Error('this browser gives no 2d canvas context');
    // The camera's frames shrink to the model's size here; a smoothed draw averages, as training's 'area' resize does.
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    this.context = context;
  }

  get running(): boolean {
    return this.stream != null;
  }

  /** Asks for the camera, shows it in `video` and classifies as frames arrive. */
  async start(video: HTMLVideoElement): Promise<void> {
    if (this.stream) return;
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this page has no camera access (navigator.mediaDevices needs https or localhost)');
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 320 }, height: { ideal: 240 } }, audio: false });
    this.video = video;
    this.frames = 0;
    video.muted = true;
    video.playsInline = true;
    video.srcObject = this.stream;
    await video.play();
    const onFrame = () => {
      if (this.video !== video) return;
      this.capture(video);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  /** Stops the camera (its light goes off) and the classification. */
  stop(): void {
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    if (this.video) this.video.srcObject = null;
    this.video = null;
  }

  private capture(video: HTMLVideoElement): void {
    const { width, height } = this.classifier.geometry;
    this.context.drawImage(video, 0, 0, width, height);
    const rgba = this.context.getImageData(0, 0, width, height).data;
    const slot = this.ring[this.frames % this.ring.length];
    for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
      slot[o] = rgba[i];
      slot[o + 1] = rgba[i + 1];
      slot[o + 2] = rgba[i + 2];
    }
    this.frames++;
    if (this.frames >= this.ring.length && this.frames % this.options.every === 0 && !this.busy) {
      this.busy = true;
      void this.classify(video).finally(() => (this.busy = false));
    }
  }

  /** The window's frames, oldest first, sampled as a clip of `windowFrames` frames. */
  private async classify(video: HTMLVideoElement): Promise<void> {
    const { width, height } = this.classifier.geometry;
    const frameBytes = width * height * 3;
    const size = this.ring.length;
    const started = performance.now();
    const indices = this.classifier.sample(size);
    const clip: DecodedClip = { width, height, numFrames: indices.length, data: new Uint8Array(indices.length * frameBytes) };
    indices.forEach((i, t) => clip.data.set(this.ring[(this.frames - size + i) % size], t * frameBytes));
    const features = this.classifier.gatherer.gather(clip, { indices: indices.map((_, t) => t) });
    const gathered = performance.now();
    const probabilities = await this.classifier.predict(this.classifier.model, features);
    if (this.video !== video) return;
    this.classified++;
    this.options.onUpdate({
      frames: this.frames,
      classified: this.classified,
      probabilities,
      predicted: argMaxRows([probabilities])[0],
      gatherMs: gathered - started,
      modelMs: performance.now() - gathered,
      cameraWidth: video.videoWidth,
      cameraHeight: video.videoHeight,
    });
  }
}
