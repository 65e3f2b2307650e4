import { VideoDecodeError } from './errors.js';
import { DEFAULT_SHORT_CLIP_POLICY, type ShortClipPolicy } from './frame-sampler.js';

export interface BadClip {
  path: string;
  error: Error;
  epoch: number;
  /** True when the clip failed in an earlier epoch and was not tried again. */
  known: boolean;
}

/** Why a clip could not be read, in one line: the reason, and ffmpeg's last word on it when it said one. */
export function describeBadClip(error: Error): string {
  if (!VideoDecodeError.isInstance(error)) return error.message.split('\n')[0];
  let said = error.stderrTail.split('\n').filter((l) => l.trim()).at(-1)?.trim();
  // ffmpeg names the input first ("file:/path/clip.avi: Invalid data ..."): the path is already in the line.
  if (said?.startsWith('file:')) said = said.slice(said.lastIndexOf(': ') + 2);
  return said ? `${error.reason}: ffmpeg said '${said}'` : error.reason;
}

/** Hands a newly failed clip to the user's callback, or warns. A throwing callback must not stop the epoch. */
export function reportBadClip(bad: BadClip, onBadClip: ((bad: BadClip) => void) | undefined): void {
  const report = onBadClip ?? ((b: BadClip) => {
    console.warn(`[@tfjs-compress/video] skipping unreadable clip ${b.path}: ${describeBadClip(b.error)}`);
  });
  try {
    report(bad);
  } catch (error) {
    console.warn(`[@tfjs-compress/video] onBadClip threw for ${bad.path}: ${String(error)}`);
  }
}

/** Reports each clip shorter than T once per stream, however many epochs read it. */
export class ShortClipReporter {
  private readonly seen = new Set<string>();

  constructor(
    private readonly framesPerClip: number,
    private readonly shortClip: ShortClipPolicy | undefined,
    private readonly onShortClip: ((path: string, numFrames: number) => void) | undefined,
  ) {}

  report(path: string, numFrames: number): void {
    if (this.seen.has(path)) return;
    this.seen.add(path);
    const how = (this.shortClip ?? DEFAULT_SHORT_CLIP_POLICY) === 'loop' ? 'its frames are looped' : 'its last frame is repeated';
    const report = this.onShortClip ?? ((p: string, n: number) => {
      console.warn(`[@tfjs-compress/video] clip ${p} has ${n} frame${n === 1 ? '' : 's'}, fewer than the ${this.framesPerClip} a sample takes: ${how}`);
    });
    report(path, numFrames);
  }
}
