import { Command, InvalidArgumentError as CliArgumentError, Option } from 'commander';
import { formatDatasetSummary } from './dataset-index.js';
import { VIDEO_FORMATS, type VideoFormat } from './encode-video.js';
import { findFfmpeg } from './find-ffmpeg.js';
import { READ_LAYOUTS, readDataset, type ReadLayout } from './read-dataset.js';
import { SYNTHETIC_DIFFICULTIES, type SyntheticDifficulty } from './synthetic-clip.js';
import { generateSyntheticDataset } from './synthetic-dataset.js';
import { readUcf101 } from './ucf101-reader.js';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CliArgumentError(`expected an integer, got '${value}'`);
  return n;
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliArgumentError(`expected a number, got '${value}'`);
  return n;
}

interface GenerateFlags {
  classes: number;
  groups: number;
  clips: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
  format: VideoFormat;
  quality: number;
  difficulty: SyntheticDifficulty;
  seed: number;
  concurrency?: number;
  topFolder?: string;
}

interface InspectFlags {
  layout: ReadLayout;
  groupPattern?: string;
  splitDir?: string;
  videoDir?: string;
  split: number;
  extensions?: string[];
}

/**
 * The `tfjs-compress-video` command line. `write` receives normal output,
 * so tests can capture it.
 */
export function createProgram(write: (text: string) => void = (t) => process.stdout.write(`${t}\n`)): Command {
  const program = new Command('tfjs-compress-video')
    .description('Video datasets for @tfjs-compress: generate a synthetic UCF11-style set, inspect a dataset tree.')
    .showHelpAfterError();

  program
    .command('generate')
    .description('Write a synthetic action dataset of real video files in the UCF11 layout (needs ffmpeg).')
    .argument('<root>', 'output directory')
    .option('--classes <n>', 'number of UCF11 classes (1-11)', integer, 11)
    .option('--groups <n>', 'groups per class (v_<class>_<gg> folders)', integer, 4)
    .option('--clips <n>', 'clips per group', integer, 3)
    .option('--frames <n>', 'frames per clip', integer, 32)
    .option('--width <px>', 'frame width (even)', integer, 160)
    .option('--height <px>', 'frame height (even)', integer, 120)
    .option('--fps <n>', 'frames per second', number, 25)
    .addOption(new Option('--format <ext>', 'container').choices(VIDEO_FORMATS).default('avi'))
    .option('--quality <q>', 'ffmpeg -q:v, 1 (best) to 31', integer, 3)
    .addOption(new Option('--difficulty <level>', 'object size/contrast, noise, distractors').choices(SYNTHETIC_DIFFICULTIES).default('normal'))
    .option('--seed <n>', 'random seed', integer, 0)
    .option('--concurrency <n>', 'ffmpeg encoders at once', integer)
    .option('--top-folder <name>', 'put the tree in <root>/<name>/ (like some UCF11 copies)')
    .action(async (root: string, flags: GenerateFlags) => {
      const ffmpeg = await findFfmpeg();
      write(`ffmpeg: ${ffmpeg.path} (${ffmpeg.source})`);
      const result = await generateSyntheticDataset({
        root,
        classes: flags.classes,
        groupsPerClass: flags.groups,
        clipsPerGroup: flags.clips,
        framesPerClip: flags.frames,
        width: flags.width,
        height: flags.height,
        fps: flags.fps,
        format: flags.format,
        quality: flags.quality,
        difficulty: flags.difficulty,
        seed: flags.seed,
        concurrency: flags.concurrency,
        topFolder: flags.topFolder,
        ffmpegPath: ffmpeg.path,
      });
      write(`Wrote ${result.files.length} clips (${result.classes.length} classes) under ${result.root} in ${(result.elapsedMs / 1000).toFixed(2)} s.`);
    });

  program
    .command('inspect')
    .description('Print the summary of a dataset tree: classes, clips per class, groups.')
    .argument('<root>', 'dataset directory')
    .addOption(new Option('--layout <layout>', 'dataset layout').choices(READ_LAYOUTS).default('auto'))
    .option('--group-pattern <regex>', "folders layout: regex on the file name whose first capture is the group, e.g. '_g(\\d+)_'")
    .option('--split-dir <dir>', 'ucf101 layout: folder with classInd.txt and the split lists')
    .option('--video-dir <dir>', 'ucf101 layout: folder the listed clips are relative to')
    .option('--split <n>', 'ucf101 layout: official split number', integer, 1)
    .option('--extensions <list>', 'comma-separated clip extensions, e.g. .avi,.mp4', (v: string) => v.split(',').map((s) => s.trim()))
    .action(async (root: string, flags: InspectFlags) => {
      const options = {
        layout: flags.layout,
        groupPattern: flags.groupPattern,
        splitDir: flags.splitDir,
        videoDir: flags.videoDir,
        split: flags.split,
        extensions: flags.extensions,
      };
      const index = await readDataset(root, options);
      write(formatDatasetSummary(index));
      if (index.layout === 'ucf101') {
        const split = await readUcf101(root, options);
        write(`  split ${flags.split}: ${split.train.length} train, ${split.test.length} test` +
          (split.missing.length > 0 ? `, ${split.missing.length} listed clips missing (first: ${split.missing[0]})` : ''));
      }
    });

  return program;
}
