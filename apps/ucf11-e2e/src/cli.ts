import { Command, Option } from 'commander';
import {
  addCommonTrainFlags,
  backendFlag,
  choiceOption,
  exitOnError,
  integerOption,
  outFlag,
  sweepCommand,
  toCommonTrainOptions,
  type RawTrainFlags,
  quantizeFlag,
} from '@tfjs-compress/app-kit';
import type { QuantizeDtype } from '@tfjs-compress/prune';
import { BACKEND_CHOICES, type BackendChoice } from '@tfjs-compress/runtime';
import { READ_LAYOUTS, SYNTHETIC_DIFFICULTIES, type SyntheticDifficulty } from '@tfjs-compress/video';
import { compress } from './compress.js';
import { SPLITS, ensureSyntheticSet } from './dataset.js';
import { DEMO_DEFAULTS, runDemo, type DemoOptions } from './demo.js';
import { evaluateRun } from './evaluate-run.js';
import { INFER_MODELS, infer, type InferModel } from './infer.js';
import { DEFAULT_TRAIN_OPTIONS, PROJECTIONS, type TrainOptions } from './options.js';
import { report } from './report.js';
import { sweepE2e } from './sweep.js';
import { train } from './train.js';

const outOption = (d: string) => outFlag(d);
const backendOption = (d: BackendChoice) => backendFlag(BACKEND_CHOICES, d);

const difficultyOption = (flags: string) =>
  new Option(flags, 'synthetic set difficulty: easy, normal or hard').argParser(choiceOption(flags.split(' ')[0], SYNTHETIC_DIFFICULTIES)).default(DEMO_DEFAULTS.synthDifficulty);

/** app-kit's shared training flags, then this app's: frame size, frame cache, input projection, ffmpeg processes. */
function addTrainOptions(command: Command, d: TrainOptions): Command {
  return addCommonTrainFlags(command, d, { layouts: READ_LAYOUTS, splits: SPLITS, backends: BACKEND_CHOICES })
    .option('--cache-dir <dir>', 'frame cache (later epochs skip ffmpeg); default <out>/frame-cache')
    .option('--width <px>', 'frame width', integerOption('--width'), d.width)
    .option('--height <px>', 'frame height', integerOption('--height'), d.height)
    .addOption(new Option('--projection <kind>', 'input projection of the LSTM: dense, tt (tensor-train) or tr (tensor-ring)').argParser(choiceOption('--projection', PROJECTIONS)).default(d.projection))
    .option('--projection-rank <r>', 'tt/tr: rank of every inner bond', integerOption('--projection-rank'), d.projectionRank)
    .option('--projection-order <d>', 'tt/tr: number of cores', integerOption('--projection-order'), d.projectionOrder)
    .option('--concurrency <n>', 'ffmpeg processes at once', integerOption('--concurrency'));
}

type RawTrainOptions = Omit<TrainOptions, 'batchSize' | 'pretrainEpochs' | 'progress'> & RawTrainFlags;

export function toTrainOptions(raw: RawTrainOptions, d: TrainOptions): TrainOptions {
  return toCommonTrainOptions(raw, d);
}

const fail = exitOnError;

type RawDemoOptions = RawTrainOptions & Pick<DemoOptions, 'synthClasses' | 'synthGroups' | 'synthClipsPerGroup' | 'synthFrames' | 'synthDifficulty'>;

/** The `ucf11-e2e` program: train, eval, compress, infer, report, generate, sweep, demo. */
export function program(): Command {
  const root = new Command('ucf11-e2e')
    .description("The paper's end-to-end UCF11 model: raw frames -> input VIB gate -> VIB-LSTM -> head. Train, compress, evaluate, infer and report.")
    .showHelpAfterError();

  addTrainOptions(root.command('train'), DEFAULT_TRAIN_OPTIONS)
    .description('train the end-to-end VIB-LSTM (a checkpoint each epoch, metrics.jsonl, --resume); saves <out>/vib-model')
    .addHelpText('after', '\nExample:\n  ucf11-e2e train --data ~/UCF11_updated_mpg --out runs/ucf11 --epochs 30')
    .action(async (raw: RawTrainOptions) => {
      await train(toTrainOptions(raw, DEFAULT_TRAIN_OPTIONS)).catch(fail);
    });

  root
    .command('compress')
    .description("compact the trained VIB model into plain tfjs layers (<out>/compact) and measure both: accuracy, parameters, FLOPs, latency (<out>/results.json)")
    .addOption(outOption(DEFAULT_TRAIN_OPTIONS.out))
    .addOption(backendOption(DEFAULT_TRAIN_OPTIONS.backend))
    .option('--latency-runs <n>', 'timed predictions per model', integerOption('--latency-runs'), 10)
    .addOption(quantizeFlag())
    .action(async (raw: { out: string; backend: BackendChoice; latencyRuns: number; quantize?: QuantizeDtype }) => {
      await compress(raw).catch(fail);
    });

  root
    .command('eval')
    .description('test accuracy and loss of the VIB model and (when compressed) the compact model (<out>/eval.json)')
    .addOption(outOption(DEFAULT_TRAIN_OPTIONS.out))
    .addOption(backendOption(DEFAULT_TRAIN_OPTIONS.backend))
    .action(async (raw: { out: string; backend: BackendChoice }) => {
      await evaluateRun(raw).catch(fail);
    });

  root
    .command('infer')
    .description('classify one clip: top-k classes with probabilities')
    .argument('<clip>', 'a video file')
    .addOption(outOption(DEFAULT_TRAIN_OPTIONS.out))
    .addOption(new Option('--model <which>', 'compact or vib').argParser(choiceOption('--model', INFER_MODELS)).default('compact'))
    .option('--top-k <k>', 'classes to show', integerOption('--top-k'), 3)
    .option('--json', 'print JSON')
    .addOption(backendOption(DEFAULT_TRAIN_OPTIONS.backend))
    .action(async (clip: string, raw: { out: string; model: InferModel; topK: number; backend: BackendChoice; json?: boolean }) => {
      const { predictions, ms, times } = await infer(clip, raw).catch(fail);
      if (raw.json) console.log(JSON.stringify({ clip, model: raw.model, predictions, ms, ...(times ? { times } : {}) }, null, 2));
      else {
        const stages = times ? `: decode ${times.decodeMs.toFixed(1)}, gather ${times.gatherMs.toFixed(2)}, model ${times.modelMs.toFixed(2)} ms` : '';
        console.log(`${clip} (${raw.model} model, ${ms.toFixed(1)} ms with decoding${stages}):`);
        for (const p of predictions) console.log(`  ${(100 * p.probability).toFixed(1).padStart(5)}%  ${p.className}`);
      }
    });

  root
    .command('report')
    .description('write <out>/report.html: figures, loss/accuracy curves, kept units, log alpha histograms, kept pixels over a frame')
    .addOption(outOption(DEFAULT_TRAIN_OPTIONS.out))
    .addOption(backendOption(DEFAULT_TRAIN_OPTIONS.backend))
    .action(async (raw: { out: string; backend: BackendChoice }) => {
      await report(raw).catch(fail);
    });

  root
    .command('generate')
    .description('write a synthetic UCF11-style set of real video files (skipped when a complete one exists)')
    .option('--data <dir>', 'where to write it', DEMO_DEFAULTS.data)
    .option('--classes <n>', 'classes (first n of UCF11)', integerOption('--classes'), DEMO_DEFAULTS.synthClasses)
    .option('--groups <n>', 'groups per class', integerOption('--groups'), DEMO_DEFAULTS.synthGroups)
    .option('--clips <n>', 'clips per group', integerOption('--clips'), DEMO_DEFAULTS.synthClipsPerGroup)
    .option('--frames <n>', 'frames per clip', integerOption('--frames'), DEMO_DEFAULTS.synthFrames)
    .option('--width <px>', 'frame width (even)', integerOption('--width'), 160)
    .option('--height <px>', 'frame height (even)', integerOption('--height'), 120)
    .addOption(difficultyOption('--difficulty <level>'))
    .option('--seed <n>', 'seed', integerOption('--seed', 0), DEMO_DEFAULTS.seed)
    .action(async (raw: { data: string; classes: number; groups: number; clips: number; frames: number; width: number; height: number; difficulty: SyntheticDifficulty; seed: number }) => {
      await ensureSyntheticSet(
        { root: raw.data, classes: raw.classes, groups: raw.groups, clipsPerGroup: raw.clips, framesPerClip: raw.frames, width: raw.width, height: raw.height, difficulty: raw.difficulty, seed: raw.seed },
        console.log,
      ).catch(fail);
    });

  sweepCommand<RawTrainOptions>(addTrainOptions(root.command('sweep'), { ...DEFAULT_TRAIN_OPTIONS, out: 'runs/ucf11-e2e-sweep' }), (raw, klFacs, sharding) =>
    sweepE2e(toTrainOptions(raw as RawTrainOptions, DEFAULT_TRAIN_OPTIONS), klFacs, console.log, sharding));

  addTrainOptions(root.command('demo'), DEMO_DEFAULTS)
    .description('npm start: generate the synthetic set if missing, train, compress, evaluate and report, sized for 10 minutes on wasm')
    .option('--synth-classes <n>', 'classes of the synthetic set', integerOption('--synth-classes'), DEMO_DEFAULTS.synthClasses)
    .option('--synth-groups <n>', 'groups per class of the synthetic set', integerOption('--synth-groups'), DEMO_DEFAULTS.synthGroups)
    .option('--synth-clips-per-group <n>', 'clips per group of the synthetic set', integerOption('--synth-clips-per-group'), DEMO_DEFAULTS.synthClipsPerGroup)
    .option('--synth-frames <n>', 'frames per synthetic clip', integerOption('--synth-frames'), DEMO_DEFAULTS.synthFrames)
    .addOption(difficultyOption('--synth-difficulty <level>'))
    .action(async (raw: RawDemoOptions) => {
      const { synthClasses, synthGroups, synthClipsPerGroup, synthFrames, synthDifficulty, ...rest } = raw;
      await runDemo({ ...toTrainOptions(rest, DEMO_DEFAULTS), synthClasses, synthGroups, synthClipsPerGroup, synthFrames, synthDifficulty }).catch(fail);
    });
  return root;
}
