import { Command, Option } from 'commander';
import { choiceOption, integerOption, nonNegativeOption, positiveOption } from '@tfjs-compress/app-kit';
import { BACKEND_CHOICES, type BackendChoice } from '@tfjs-compress/runtime';
import { READ_LAYOUTS, SYNTHETIC_DIFFICULTIES, type SyntheticDifficulty } from '@tfjs-compress/video';
import { compress } from './compress.js';
import { SPLITS, ensureSyntheticSet } from './dataset.js';
import { DEMO_DEFAULTS, runDemo, type DemoOptions } from './demo.js';
import { evaluateRun } from './evaluate-run.js';
import { INFER_MODELS, infer, type InferModel } from './infer.js';
import { DEFAULT_TRAIN_OPTIONS, PROJECTIONS, type TrainOptions } from './options.js';
import { report } from './report.js';
import { train } from './train.js';

const backendOption = (d: BackendChoice) =>
  new Option('--backend <name>', 'auto (tfjs-node, else wasm, else cpu), tensorflow, wasm or cpu').argParser(choiceOption('--backend', BACKEND_CHOICES)).default(d);
const outOption = (d: string) => new Option('--out <dir>', 'run directory (checkpoint, metrics, models, results, report)').default(d);

const difficultyOption = (flags: string) =>
  new Option(flags, 'synthetic set difficulty: easy, normal or hard').argParser(choiceOption(flags.split(' ')[0], SYNTHETIC_DIFFICULTIES)).default(DEMO_DEFAULTS.synthDifficulty);

function addTrainOptions(command: Command, d: TrainOptions): Command {
  return command
    .option('--data <dir>', 'dataset root: UCF11 layout (<class>/v_<class>_<gg>/*.avi) or one folder per class', d.data)
    .addOption(new Option('--layout <layout>', 'dataset layout').argParser(choiceOption('--layout', READ_LAYOUTS)).default(d.layout))
    .addOption(new Option('--split <kind>', "'random' 80/20 clips (seeded) or 'group' (groups kept on one side)").argParser(choiceOption('--split', SPLITS)).default(d.split))
    .option('--test-fraction <f>', 'share of clips in the test split', positiveOption('--test-fraction'), d.testFraction)
    .addOption(outOption(d.out))
    .option('--cache-dir <dir>', 'frame cache (later epochs skip ffmpeg); default <out>/frame-cache')
    .option('--frames <n>', 'frames per clip', integerOption('--frames'), d.frames)
    .option('--width <px>', 'frame width', integerOption('--width'), d.width)
    .option('--height <px>', 'frame height', integerOption('--height'), d.height)
    .option('--units <n>', 'LSTM hidden units', integerOption('--units'), d.units)
    .option('--batch <n>', 'clips per training step', integerOption('--batch'), d.batchSize)
    .option('--epochs <n>', 'epochs with the VIB (KL) loss', integerOption('--epochs', 0), d.epochs)
    .option('--warmup-epochs <n>', 'first VIB epochs with klFac 0', integerOption('--warmup-epochs', 0), d.warmupEpochs)
    .option('--ramp-epochs <n>', 'epochs over which klFac then rises linearly to --kl-fac', integerOption('--ramp-epochs', 0), d.rampEpochs)
    .option('--fine-tune-epochs <n>', 'epochs with frozen hard masks after the VIB epochs', integerOption('--fine-tune-epochs', 0), d.fineTuneEpochs)
    .option('--pretrained', 'the pre-trained route: train a plain LSTM first, then insert bottlenecks and fine-tune with VIB')
    .option('--pretrain-epochs <n>', 'plain epochs of the pre-trained route (implies --pretrained)', integerOption('--pretrain-epochs', 0))
    .addOption(new Option('--projection <kind>', 'input projection of the LSTM: dense, tt (tensor-train) or tr (tensor-ring)').argParser(choiceOption('--projection', PROJECTIONS)).default(d.projection))
    .option('--projection-rank <r>', 'tt/tr: rank of every inner bond', integerOption('--projection-rank'), d.projectionRank)
    .option('--projection-order <d>', 'tt/tr: number of cores', integerOption('--projection-order'), d.projectionOrder)
    .option('--lr <rate>', 'learning rate of the LSTM and head weights', positiveOption('--lr'), d.lr)
    .option('--ib-lr <rate>', 'learning rate of the VIB gate parameters', positiveOption('--ib-lr'), d.ibLr)
    .option('--kl-fac <f>', 'weight of the KL term (after the warm-up)', nonNegativeOption('--kl-fac'), d.klFac)
    .option('--kl-mult <m>', 'multiplier of every gate KL term', positiveOption('--kl-mult'), d.klMult)
    .option('--weight-decay <w>', 'L2 weight decay of the non-gate weights', nonNegativeOption('--weight-decay'), d.weightDecay)
    .option('--dropout <rate>', 'dropout before the head', nonNegativeOption('--dropout'), d.dropout)
    .option('--seed <n>', 'seed of the split, initialisation, gate noise, dropout, shuffling and frame sampling', integerOption('--seed', 0), d.seed)
    .addOption(backendOption(d.backend))
    .option('--resume', 'continue from the checkpoint in --out (with the options it was started with)', false)
    .option('--concurrency <n>', 'ffmpeg processes at once', integerOption('--concurrency'))
    .option('--no-progress', 'no progress bars');
}

type RawTrainOptions = Omit<TrainOptions, 'batchSize' | 'pretrainEpochs' | 'progress'> & {
  batch: number;
  pretrained?: boolean;
  pretrainEpochs?: number;
  progress: boolean;
};

export function toTrainOptions(raw: RawTrainOptions, d: TrainOptions): TrainOptions {
  const { batch, pretrained, pretrainEpochs, progress, ...rest } = raw;
  const plain = pretrainEpochs ?? (pretrained ? Math.max(1, d.pretrainEpochs || 5) : 0);
  return { ...rest, batchSize: batch, pretrainEpochs: plain, progress: progress ? undefined : false };
}

function fail(error: unknown): never {
  console.error(`error: ${(error as Error).message ?? error}`);
  process.exit(1);
}

type RawDemoOptions = RawTrainOptions & Pick<DemoOptions, 'synthClasses' | 'synthGroups' | 'synthClipsPerGroup' | 'synthFrames' | 'synthDifficulty'>;

/** The `ucf11-e2e` program: train, eval, compress, infer, report, generate, demo. */
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
    .action(async (raw: { out: string; backend: BackendChoice; latencyRuns: number }) => {
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
      const { predictions, ms } = await infer(clip, raw).catch(fail);
      if (raw.json) console.log(JSON.stringify({ clip, model: raw.model, predictions, ms }, null, 2));
      else {
        console.log(`${clip} (${raw.model} model, ${ms.toFixed(0)} ms with decoding):`);
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
