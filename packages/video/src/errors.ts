const NOT_FOUND_MARKER = Symbol.for('@tfjs-compress/ffmpeg-not-found-error');
const DECODE_MARKER = Symbol.for('@tfjs-compress/video-decode-error');
const WORKER_MARKER = Symbol.for('@tfjs-compress/ffmpeg-worker-error');

/** No usable ffmpeg binary; the message says how to get one. */
export class FfmpegNotFoundError extends Error {
  readonly [NOT_FOUND_MARKER] = true;
  /** What was tried, in order, and why each failed. */
  readonly tried: readonly string[];

  constructor(tried: readonly string[]) {
    super(
      'No ffmpeg binary found. Tried: ' +
        tried.join('; ') +
        '. Get one with any of: `apt-get install ffmpeg` (or your OS package manager), ' +
        'setting FFMPEG_PATH to an ffmpeg executable, or `npm install @ffmpeg-installer/ffmpeg`.',
    );
    this.name = 'FfmpegNotFoundError';
    this.tried = tried.slice();
  }

  static isInstance(error: unknown): error is FfmpegNotFoundError {
    return error != null && typeof error === 'object' && (error as Record<symbol, unknown>)[NOT_FOUND_MARKER] === true;
  }
}

/**
 * ffmpeg could not decode (or encode) a clip. `path` names the clip and
 * `stderrTail` keeps the end of ffmpeg's log, which is where the reason is.
 */
export class VideoDecodeError extends Error {
  readonly [DECODE_MARKER] = true;
  readonly path: string;
  readonly exitCode: number | null;
  readonly stderrTail: string;
  /** Why, without the path (e.g. 'empty file (0 bytes)', 'ffmpeg exited with code 1'). */
  readonly reason: string;

  constructor(path: string, reason: string, exitCode: number | null = null, stderrTail = '') {
    const tail = stderrTail.trim();
    super(`${path}: ${reason}${tail ? `\nffmpeg said:\n${tail}` : ''}`);
    this.name = 'VideoDecodeError';
    this.path = path;
    this.reason = reason;
    this.exitCode = exitCode;
    this.stderrTail = tail;
  }

  static isInstance(error: unknown): error is VideoDecodeError {
    return error != null && typeof error === 'object' && (error as Record<symbol, unknown>)[DECODE_MARKER] === true;
  }
}

/** The decode worker thread failed: a problem of the setup, not of one clip. */
export class FfmpegWorkerError extends Error {
  readonly [WORKER_MARKER] = true;

  constructor(message: string) {
    super(message);
    this.name = 'FfmpegWorkerError';
  }

  static isInstance(error: unknown): error is FfmpegWorkerError {
    return error != null && typeof error === 'object' && (error as Record<symbol, unknown>)[WORKER_MARKER] === true;
  }
}
