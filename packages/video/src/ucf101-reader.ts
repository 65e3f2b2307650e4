import { access, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { assertPositiveInteger, InvalidArgumentError } from '@tfjs-compress/common';
import type { DatasetIndex, VideoClip } from './dataset-index.js';
import { assertDirectory, listDir } from './list-dir.js';

export interface ReadUcf101Options {
  /** Folder holding classInd.txt and the train/test lists. Default: <root>, else <root>/ucfTrainTestlist. */
  splitDir?: string;
  /** Folder the listed paths are relative to. Default: <root>, else <root>/UCF-101 or <root>/UCF101. */
  videoDir?: string;
  /** Which official split (trainlist0N.txt / testlist0N.txt). Default: 1. */
  split?: number;
  /** A listed clip missing on disk: 'skip' it (listed in `missing`) or throw naming it. Default: 'skip'. */
  missingClips?: 'skip' | 'error';
}

export interface SplitDataset {
  index: DatasetIndex;
  train: VideoClip[];
  test: VideoClip[];
  /** Listed clips that are not on disk (reported, not fatal). */
  missing: string[];
}

/** _g<gg>_c<cc> in a UCF101 file name. */
const GROUP = /_g(\d+)_c\d+/i;

/**
 * Reads a UCF101-style dataset from its official split files: classInd.txt
 * ("1 ApplyEyeMakeup"), trainlist0N.txt ("Class/v_Class_g08_c01.avi 1",
 * with 1-based labels, checked against classInd) and testlist0N.txt (paths
 * only; labels come from the class folder).
 */
export async function readUcf101(root: string, options: ReadUcf101Options = {}): Promise<SplitDataset> {
  const split = options.split ?? 1;
  assertPositiveInteger(split, 'split');
  const top = resolve(root);
  await assertDirectory(top, 'root');
  const splitDir = await firstWith(options.splitDir ? [resolve(options.splitDir)] : [top, join(top, 'ucfTrainTestlist')], 'classInd.txt');
  if (!splitDir) throw new InvalidArgumentError('splitDir', options.splitDir ?? top, 'a folder containing classInd.txt');
  const tag = String(split).padStart(2, '0');
  const classLines = await readLines(join(splitDir, 'classInd.txt'));
  const trainLines = await readLines(join(splitDir, `trainlist${tag}.txt`));
  const testLines = await readLines(join(splitDir, `testlist${tag}.txt`));

  const classes: string[] = [];
  for (const { text, line } of classLines) {
    const match = /^(\d+)\s+(\S+)$/.exec(text);
    if (!match || Number(match[1]) !== classes.length + 1) {
      throw new InvalidArgumentError('classInd.txt', `line ${line}: '${text}'`, `'${classes.length + 1} <ClassName>'`);
    }
    classes.push(match[2]);
  }
  const labelOf = new Map(classes.map((c, i) => [c.toLowerCase(), i]));

  const parse = (file: string, text: string, line: number, withLabel: boolean): { rel: string; label: number } => {
    const parts = text.split(/\s+/);
    const rel = parts[0].replace(/\\/g, '/');
    const folder = rel.split('/')[0];
    const label = labelOf.get(folder.toLowerCase());
    if (label === undefined || (withLabel && parts.length < 2) || parts.length > 2) {
      throw new InvalidArgumentError(file, `line ${line}: '${text}'`, `'<Class>/<clip>${withLabel ? ' <label>' : ''}' with a class from classInd.txt`);
    }
    if (parts.length === 2 && Number(parts[1]) !== label + 1) {
      throw new InvalidArgumentError(file, `line ${line}: '${text}'`, `label ${label + 1} (${classes[label]} in classInd.txt)`);
    }
    return { rel, label };
  };
  const train = trainLines.map(({ text, line }) => parse(`trainlist${tag}.txt`, text, line, true));
  const test = testLines.map(({ text, line }) => parse(`testlist${tag}.txt`, text, line, false));

  const probe = [...train, ...test][0];
  const videoCandidates = options.videoDir ? [resolve(options.videoDir)] : [top, join(top, 'UCF-101'), join(top, 'UCF101'), dirname(splitDir)];
  const videoDir = probe ? await firstWith(videoCandidates, probe.rel) : undefined;
  if (!videoDir) throw new InvalidArgumentError('videoDir', options.videoDir ?? top, `a folder containing ${probe?.rel ?? 'the listed clips'}`);

  const finder = caseInsensitiveFinder(videoDir);
  const missing: string[] = [];
  const toClips = async (entries: { rel: string; label: number }[]): Promise<VideoClip[]> => {
    const out: VideoClip[] = [];
    for (const { rel, label } of entries) {
      const path = await finder(rel);
      if (!path) {
        if (options.missingClips === 'error') throw new InvalidArgumentError(`trainlist${tag}.txt / testlist${tag}.txt`, rel, `a clip present at ${join(videoDir, rel)}`);
        missing.push(join(videoDir, rel));
        continue;
      }
      const match = GROUP.exec(basename(rel));
      out.push({ path, label, className: classes[label], group: match ? match[1] : null });
    }
    return out;
  };
  const trainClips = await toClips(train);
  const testClips = await toClips(test);
  return {
    index: { root: videoDir, layout: 'ucf101', classes, clips: [...trainClips, ...testClips] },
    train: trainClips,
    test: testClips,
    missing,
  };
}

async function readLines(file: string): Promise<{ text: string; line: number }[]> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError('split file', file, `a readable file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return content
    .split(/\r?\n/)
    .map((text, i) => ({ text: text.trim(), line: i + 1 }))
    .filter((l) => l.text.length > 0);
}

async function firstWith(dirs: readonly string[], rel: string): Promise<string | undefined> {
  for (const dir of dirs) {
    try {
      await access(join(dir, rel));
      return dir;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/**
 * Resolves listed paths, falling back to a case-insensitive match: UCF101's
 * lists and folders disagree on case for some classes (HandstandPushups).
 */
function caseInsensitiveFinder(videoDir: string): (rel: string) => Promise<string | undefined> {
  const listings = new Map<string, Promise<Map<string, string>>>();
  const listing = (dir: string): Promise<Map<string, string>> => {
    let entry = listings.get(dir);
    if (!entry) {
      entry = listDir(dir)
        .then(({ dirs, files }) => new Map([...dirs, ...files].map((n) => [n.toLowerCase(), n])))
        .catch(() => new Map<string, string>());
      listings.set(dir, entry);
    }
    return entry;
  };
  return async (rel) => {
    let dir = videoDir;
    for (const part of rel.split('/')) {
      const actual = (await listing(dir)).get(part.toLowerCase());
      if (!actual) return undefined;
      dir = join(dir, actual);
    }
    return dir;
  };
}
