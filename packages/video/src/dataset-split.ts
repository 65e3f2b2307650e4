import { assertOneOf } from '@tfjs-compress/common';
import { foldersWithoutClipsNote, type VideoClip } from './dataset-index.js';
import type { MissingClips } from './hmdb51-reader.js';
import { readDataset, readOfficialSplit, type ReadLayout } from './read-dataset.js';
import { groupSplit, randomSplit } from './splits.js';

/** 'random': clips at random (seeded); 'group': each group on one side; 'official': the data set's own split files (UCF101, HMDB51). */
export const SPLIT_KINDS = ['random', 'group', 'official'] as const;
export type SplitKind = (typeof SPLIT_KINDS)[number];

export interface DatasetSplitOptions {
  layout?: ReadLayout;
  split: SplitKind;
  /** 'random' and 'group': the test share. */
  testFraction?: number;
  seed?: number;
  /** 'official': which of the data set's splits. Default: 1. */
  fold?: number;
  /** 'official': a listed clip missing on disk is skipped or an error. Default: 'skip'. */
  missingClips?: MissingClips;
  /** 'official': the folder of the split files, when it is not under `root` (UCF101 and HMDB51 ship them apart from the videos). */
  splitDir?: string;
}

export interface TrainTestSplit {
  classes: string[];
  train: VideoClip[];
  test: VideoClip[];
  /** What the user should know about the data (folders left out, listed clips missing), one line each. */
  notes: string[];
}

/** Reads the data set at `root` and splits it into training and test clips the way `options.split` says. */
export async function splitDataset(root: string, options: DatasetSplitOptions): Promise<TrainTestSplit> {
  assertOneOf(options.split, SPLIT_KINDS, 'split');
  if (options.split === 'official') {
    const official = await readOfficialSplit(root, { split: options.fold ?? 1, missingClips: options.missingClips, splitDir: options.splitDir });
    const notes: string[] = [];
    if (official.missing.length > 0) {
      notes.push(`skipped ${official.missing.length} clip${official.missing.length === 1 ? '' : 's'} the split files list but the disk lacks (the first: ${official.missing[0]})`);
    }
    return { classes: official.index.classes, train: official.train, test: official.test, notes };
  }
  const index = await readDataset(root, { layout: options.layout });
  const split = (options.split === 'group' ? groupSplit : randomSplit)(index.clips, { testFraction: options.testFraction, seed: options.seed });
  const note = foldersWithoutClipsNote(index);
  return { classes: index.classes, train: split.train, test: split.test, notes: note ? [note] : [] };
}
