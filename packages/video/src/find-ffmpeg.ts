import { constants as fsConstants } from 'node:fs';
import { access, chmod, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { FfmpegNotFoundError } from './errors.js';
import { runFfmpeg } from './run-ffmpeg.js';

/** Where the ffmpeg in use came from. */
export type FfmpegSource = 'env' | 'path' | 'installer';

export interface FfmpegInfo {
  /** Absolute path (or PATH-resolved path) of the executable. */
  path: string;
  source: FfmpegSource;
  /** First line of `ffmpeg -version`. */
  version: string;
}

export interface FindFfmpegOptions {
  /** Environment to read FFMPEG_PATH and PATH from. Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Whether to fall back to the optional `@ffmpeg-installer/ffmpeg` package. Default: true. */
  useInstaller?: boolean;
  /** Ignore the per-process cache and look again. Default: false. */
  refresh?: boolean;
}

const INSTALLER_PACKAGE = '@ffmpeg-installer/ffmpeg';
const EXE = process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg';

let cached: Promise<FfmpegInfo> | undefined;

/**
 * Finds ffmpeg: `FFMPEG_PATH`, then `ffmpeg` on PATH, then the optional
 * `@ffmpeg-installer/ffmpeg` package (a static build). The result of a
 * default lookup is cached for the process. A set but broken FFMPEG_PATH is
 * an error rather than silently ignored: the user asked for that binary.
 */
export function findFfmpeg(options: FindFfmpegOptions = {}): Promise<FfmpegInfo> {
  const isDefault = options.env === undefined && options.useInstaller !== false;
  if (isDefault && !options.refresh && cached) return cached;
  const result = lookUp(options);
  if (isDefault) {
    cached = result;
    result.catch(() => {
      if (cached === result) cached = undefined;
    });
  }
  return result;
}

async function lookUp(options: FindFfmpegOptions): Promise<FfmpegInfo> {
  const env = options.env ?? process.env;
  const tried: string[] = [];

  const fromEnv = env.FFMPEG_PATH?.trim();
  if (fromEnv) {
    const problem = await checkExecutable(fromEnv);
    if (problem) {
      throw new FfmpegNotFoundError([`FFMPEG_PATH=${fromEnv} (${problem}); unset it or point it at an ffmpeg executable`]);
    }
    return withVersion(fromEnv, 'env');
  }
  tried.push('FFMPEG_PATH (not set)');

  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  for (const dir of dirs) {
    const candidate = join(dir, EXE);
    if ((await checkExecutable(candidate)) === undefined) return withVersion(candidate, 'path');
  }
  tried.push(`'${EXE}' on PATH (not found in ${dirs.length} directories)`);

  if (options.useInstaller !== false) {
    const installed = await installerPath();
    if ('path' in installed) return withVersion(installed.path, 'installer');
    tried.push(`${INSTALLER_PACKAGE} (${installed.error})`);
  }
  throw new FfmpegNotFoundError(tried);
}

async function checkExecutable(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return 'not a file';
    await access(file, fsConstants.X_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

async function installerPath(): Promise<{ path: string } | { error: string }> {
  let found: string;
  try {
    // A variable specifier keeps TypeScript and bundlers from requiring the
    // optional package at build time.
    const name: string = INSTALLER_PACKAGE;
    const mod = (await import(name)) as { default?: { path?: unknown }; path?: unknown };
    const p = mod.default?.path ?? mod.path;
    if (typeof p !== 'string') return { error: 'package has no path export' };
    found = p;
  } catch (error) {
    // The installer throws a bare string when its platform binary is missing.
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { error: `not usable: ${message}` };
  }
  let problem = await checkExecutable(found);
  if (problem === 'EACCES') {
    // Installs that skip lifecycle scripts miss the package's `chmod u+x`.
    try {
      await chmod(found, 0o755);
      problem = await checkExecutable(found);
    } catch {
      // Fall through with the original problem.
    }
  }
  return problem ? { error: `${found}: ${problem}` } : { path: found };
}

async function withVersion(path: string, source: FfmpegSource): Promise<FfmpegInfo> {
  const run = await runFfmpeg(path, ['-hide_banner', '-version'], { timeoutMs: 20_000, what: path });
  if (run.exitCode !== 0) {
    throw new FfmpegNotFoundError([`${path} from ${source} (exits with ${run.exitCode}: ${run.stderrTail.trim()})`]);
  }
  const version = run.stdout.toString('utf8').split('\n')[0]?.trim() ?? '';
  return { path, source, version };
}

/** Names of the video encoders this ffmpeg was built with (`ffmpeg -encoders`). */
export async function listEncoders(ffmpegPath: string): Promise<Set<string>> {
  const run = await runFfmpeg(ffmpegPath, ['-hide_banner', '-encoders'], { timeoutMs: 20_000, what: ffmpegPath });
  const names = new Set<string>();
  for (const line of run.stdout.toString('utf8').split('\n')) {
    const match = /^\s*V[.A-Z]{5}\s+(\S+)/.exec(line);
    if (match) names.add(match[1]);
  }
  return names;
}
