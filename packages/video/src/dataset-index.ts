import { extname } from 'node:path';

/** One clip of a dataset. */
export interface VideoClip {
  /** Path of the video file. */
  path: string;
  /** Class index into DatasetIndex.classes. */
  label: number;
  className: string;
  /**
   * Group the clip was filmed in (UCF11/UCF101 'gg': same actor and
   * background), or null when unknown. Splits keep a group on one side.
   */
  group: string | null;
}

export const DATASET_LAYOUTS = ['ucf11', 'folders', 'ucf101', 'hmdb51'] as const;
export type DatasetLayout = (typeof DATASET_LAYOUTS)[number];

export interface DatasetIndex {
  /** Directory the clips were found under (after skipping an extra top folder). */
  root: string;
  layout: DatasetLayout;
  /** Class names; a clip's label indexes this list. */
  classes: string[];
  clips: VideoClip[];
  /**
   * Folders next to the class folders in which no clip was found (an empty
   * class, or a folder such as Annotation/): left out, so a tool can say so.
   */
  foldersWithoutClips?: string[];
}

/** Video file extensions the readers pick up (lower case, with the dot). */
export const DEFAULT_VIDEO_EXTENSIONS: readonly string[] = ['.avi', '.mpg', '.mpeg', '.mp4', '.mkv', '.m4v', '.mov', '.webm'];

export interface ClassSummary {
  className: string;
  label: number;
  clips: number;
  groups: number;
}

export interface DatasetSummary {
  root: string;
  layout: DatasetLayout;
  numClasses: number;
  numClips: number;
  /** Distinct group names over the whole set (null groups not counted). */
  numGroups: number;
  /** Clips without a group. */
  ungroupedClips: number;
  perClass: ClassSummary[];
  /** Clip count per file extension. */
  extensions: Record<string, number>;
}

/** Counts per class and group, for a quick look before training. */
export function summarizeDataset(index: DatasetIndex): DatasetSummary {
  const perClass = index.classes.map((className, label) => ({ className, label, clips: 0, groups: new Set<string>() }));
  const groups = new Set<string>();
  const extensions: Record<string, number> = {};
  let ungroupedClips = 0;
  for (const clip of index.clips) {
    const entry = perClass[clip.label];
    entry.clips++;
    if (clip.group === null) ungroupedClips++;
    else {
      entry.groups.add(clip.group);
      groups.add(clip.group);
    }
    const ext = extname(clip.path).toLowerCase() || '(none)';
    extensions[ext] = (extensions[ext] ?? 0) + 1;
  }
  return {
    root: index.root,
    layout: index.layout,
    numClasses: index.classes.length,
    numClips: index.clips.length,
    numGroups: groups.size,
    ungroupedClips,
    perClass: perClass.map((c) => ({ className: c.className, label: c.label, clips: c.clips, groups: c.groups.size })),
    extensions,
  };
}

/** The summary as an aligned text table. */
export function formatDatasetSummary(index: DatasetIndex): string {
  const s = summarizeDataset(index);
  const width = Math.max(5, ...s.perClass.map((c) => c.className.length));
  const lines = [
    `Dataset ${s.root} (${s.layout} layout)`,
    `  ${s.numClasses} classes, ${s.numClips} clips, ${s.numGroups} groups` +
      (s.ungroupedClips > 0 ? `, ${s.ungroupedClips} clips without a group` : ''),
    `  files: ${Object.entries(s.extensions).map(([ext, n]) => `${n} ${ext}`).join(', ') || 'none'}`,
    `  ${'label'.padStart(5)}  ${'class'.padEnd(width)}  ${'clips'.padStart(5)}  ${'groups'.padStart(6)}`,
    ...s.perClass.map((c) =>
      `  ${String(c.label).padStart(5)}  ${c.className.padEnd(width)}  ${String(c.clips).padStart(5)}  ${String(c.groups).padStart(6)}`),
  ];
  return lines.join('\n');
}

/** Prints formatDatasetSummary through `write` (console.log by default). */
export function printDatasetSummary(index: DatasetIndex, write: (text: string) => void = console.log): void {
  write(formatDatasetSummary(index));
}

/** One line for the folders a reader left out (null when there are none), e.g. "left out 1 folder with no clips: fencing". */
export function foldersWithoutClipsNote(index: Pick<DatasetIndex, 'foldersWithoutClips'>): string | null {
  const folders = index.foldersWithoutClips ?? [];
  if (folders.length === 0) return null;
  return `left out ${folders.length} folder${folders.length === 1 ? '' : 's'} with no clips: ${folders.join(', ')}`;
}
