/**
 * Frames of a video file, decoded by the browser: the `<video>` element
 * seeks to each frame asked for, `requestVideoFrameCallback` says which
 * frame it presented, and a canvas of the video's own size hands back the
 * pixels (`getImageData`), RGB interleaved as ffmpeg's rgb24: the layout
 * `FeatureGather` reads.
 */
import type { DecodedClip } from '@tfjs-compress/video/frames';

/** A frame that is not presented this long after its seek is an error, not a hang. */
const PRESENT_TIMEOUT_MS = 5_000;

export class VideoFrameReader {
  readonly width: number;
  readonly height: number;
  /** Frames in the file: duration x fps. */
  readonly numFrames: number;
  private readonly context: CanvasRenderingContext2D;
  /** The frame the element shows now (seeking to it again presents nothing new). */
  private shown: number | null = null;

  private constructor(
    readonly video: HTMLVideoElement,
    readonly fps: number,
  ) {
    this.width = video.videoWidth;
    this.height = video.videoHeight;
    this.numFrames = Math.round(video.duration * fps);
    if (!(this.width > 0 && this.height > 0 && this.numFrames > 0)) {
      throw new Error(`${video.currentSrc}: ${this.width}x${this.height}, ${video.duration} s at ${fps} fps: no frames to read`);
    }
    const canvas = document.createElement('canvas');
    canvas.width = this.width;
    canvas.height = this.height;
    // willReadFrequently keeps the canvas in memory rather than on the GPU: every read is a plain copy, and the
    // YUV -> RGB conversion is the software one on every machine.
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context == null) throw new Error('this browser gives no 2d canvas context');
    this.context = context;
  }

  /**
   * Loads `url` into `video` (muted, paused) and waits for its first frame.
   * `fps` is the file's frame rate: frame i shows from i / fps seconds.
   */
  static async open(video: HTMLVideoElement, url: string, fps: number): Promise<VideoFrameReader> {
    if (!(Number.isFinite(fps) && fps > 0)) throw new Error(`fps: got ${fps}, expected a frame rate > 0`);
    if (typeof video.requestVideoFrameCallback !== 'function') throw new Error('this browser lacks HTMLVideoElement.requestVideoFrameCallback');
    video.muted = true;
    video.preload = 'auto';
    video.playsInline = true;
    const ready = new Promise<void>((resolve, reject) => {
      video.addEventListener('loadeddata', () => resolve(), { once: true });
      video.addEventListener('error', () => reject(new Error(`${url}: the browser cannot load it (${video.error?.message || `media error ${video.error?.code}`})`)), { once: true });
    });
    video.src = url;
    await ready;
    return new VideoFrameReader(video, fps);
  }

  /**
   * The frames at `indices`, in that order (repeats allowed), as a clip of
   * `indices.length` frames of this video's size.
   */
  async readFrames(indices: readonly number[]): Promise<DecodedClip> {
    const frameBytes = this.width * this.height * 3;
    const data = new Uint8Array(indices.length * frameBytes);
    const decoded = new Map<number, number>();
    for (const [t, frame] of indices.entries()) {
      if (!Number.isInteger(frame) || frame < 0 || frame >= this.numFrames) {
        throw new Error(`indices: got frame ${frame} at position ${t}, expected integers in [0, ${this.numFrames})`);
      }
      const earlier = decoded.get(frame);
      if (earlier != null) {
        data.copyWithin(t * frameBytes, earlier * frameBytes, (earlier + 1) * frameBytes);
        continue;
      }
      await this.present(frame);
      this.copyFrame(data, t * frameBytes);
      decoded.set(frame, t);
    }
    return { width: this.width, height: this.height, numFrames: indices.length, data };
  }

  /** Seeks to the middle of frame `frame` and waits until the element presents it. */
  private async present(frame: number): Promise<void> {
    if (this.shown === frame) return;
    const video = this.video;
    let timer = 0;
    const presented = new Promise<number>((resolve, reject) => {
      video.requestVideoFrameCallback((_, metadata) => resolve(metadata.mediaTime));
      timer = window.setTimeout(() => reject(new Error(`${video.currentSrc}: no frame presented ${PRESENT_TIMEOUT_MS} ms after seeking to frame ${frame}`)), PRESENT_TIMEOUT_MS);
    });
    const seeked = new Promise<void>((resolve) => video.addEventListener('seeked', () => resolve(), { once: true }));
    video.currentTime = (frame + 0.5) / this.fps;
    try {
      const [mediaTime] = await Promise.all([presented, seeked]);
      const shown = Math.round(mediaTime * this.fps);
      if (shown !== frame) throw new Error(`${video.currentSrc}: asked for frame ${frame}, the element presented frame ${shown} (media time ${mediaTime} s)`);
      this.shown = frame;
    } finally {
      window.clearTimeout(timer);
    }
  }

  /** The presented frame's RGB bytes into `out` at `offset` (the canvas gives RGBA). */
  private copyFrame(out: Uint8Array, offset: number): void {
    this.context.drawImage(this.video, 0, 0);
    const rgba = this.context.getImageData(0, 0, this.width, this.height).data;
    for (let i = 0, o = offset; i < rgba.length; i += 4, o += 3) {
      out[o] = rgba[i];
      out[o + 1] = rgba[i + 1];
      out[o + 2] = rgba[i + 2];
    }
  }
}
