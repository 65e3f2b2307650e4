import { Option, type Command } from 'commander';
import { QUANTIZE_DTYPES } from '@tfjs-compress/prune';
import { choiceOption, fractionOption, integerOption, nonNegativeOption, positiveOption } from './cli-options.js';
import { DEFAULT_SHRINK_MODE, DEFAULT_SHRINK_PATIENCE, SHRINK_MODES, type ShrinkMode } from './shrink-check.js';

/** How klFac moves: within an accuracy budget (default), towards a compression target, or a fixed ramp. */
export type PolicyName = 'budget' | 'target' | 'fixed';
export const POLICY_NAMES: readonly PolicyName[] = ['budget', 'target', 'fixed'];
/** The accuracy budget: validation accuracy may fall this far (a fraction) below the uncompressed model. */
export const DEFAULT_MAX_ACCURACY_DROP = 0.01;
export const DEFAULT_TARGET_COMPRESSION = 10;
/** Share of each class's training clips held out for the accuracy budget. */
export const DEFAULT_VALIDATION_FRACTION = 0.15;
/** Control points (klFac updates, validation checks) per epoch of the apps' runs. */
export const DEFAULT_CONTROLS_PER_EPOCH = 2;

/**
 * The training defaults both UCF11 apps share: the paper's learning rates
 * (weights 1e-3, gates 5e-2) and KL settings, and the accuracy budget on a
 * validation split. Each app spreads it into its own defaults.
 */
export const SHARED_TRAIN_DEFAULTS = {
  lr: 1e-3,
  ibLr: 5e-2,
  policy: 'budget' as PolicyName,
  maxAccuracyDrop: DEFAULT_MAX_ACCURACY_DROP,
  validationFraction: DEFAULT_VALIDATION_FRACTION,
  controlsPerEpoch: DEFAULT_CONTROLS_PER_EPOCH,
  klFac: 1e-3,
  klMult: 2,
  weightDecay: 0,
};

/** The training options both UCF11 apps share (the CLI flags of `train`, `demo` and `sweep`). */
export interface CommonTrainOptions {
  /** Dataset root. */
  data: string;
  /** Dataset layout (the video package's READ_LAYOUTS). */
  layout: string;
  /** 'random' 80/20 clips or 'group' (groups kept on one side). */
  split: string;
  testFraction: number;
  /** With the 'official' split: which of the data set's official splits (UCF101, HMDB51: 1-3). Default: 1. */
  fold?: number;
  /** With the 'official' split: a listed clip missing on disk is skipped (and counted) or an error. Default: 'skip'. */
  missingClips?: 'skip' | 'error';
  /** With the 'official' split: the folder of the split files. Default: looked for under `data`. */
  splitDir?: string;
  /** Run directory (checkpoint, metrics, models, results, report). */
  out: string;
  /** Frames per clip, T. */
  frames: number;
  /** LSTM hidden units, H. */
  units: number;
  batchSize: number;
  /** Epochs with the KL term. */
  epochs: number;
  warmupEpochs: number;
  rampEpochs: number;
  fineTuneEpochs: number;
  /** The pre-trained route: plain LSTM epochs before `insertBottlenecks`. 0: from scratch. */
  pretrainEpochs: number;
  lr: number;
  ibLr: number;
  klFac: number;
  klMult: number;
  /** KL policy. Default: 'budget'. */
  policy?: PolicyName;
  /** 'budget': the largest validation accuracy drop, a fraction. Default: 0.01. */
  maxAccuracyDrop?: number;
  /** 'target': compression of the recurrent layer to reach. Default: 10. */
  targetCompression?: number;
  /** 'budget': share of the training clips held out for validation. Default: 0.15. */
  validationFraction?: number;
  /** Control points per epoch (klFac updates, validation checks). Default: 2. */
  controlsPerEpoch?: number;
  weightDecay: number;
  dropout: number;
  /** Shrink-as-you-train (runTraining's `shrink`). Default: off (and in runs started before the option). */
  shrink?: boolean;
  /** Epochs in a row an input or unit must stay pruned before shrinking removes it. Default: 2. */
  shrinkPatience?: number;
  /** 'remove' (default) or 'mask': silence at full size what shrinking would remove (the same training, without the speed-up). */
  shrinkMode?: ShrinkMode;
  /** Shrink checks per epoch (the last after it, the others between its batches); patience counts checks. Default: 1. */
  shrinkChecks?: number;
  /** Data-parallel training over this many worker threads (@tfjs-compress/parallel); 1: the main thread. Default: 1. */
  workers?: number;
  seed: number;
  /** Backend choice (the runtime package's BACKEND_CHOICES). */
  backend: string;
  resume: boolean;
  /** Progress bars (default: when stderr is a terminal). */
  progress?: boolean;
}

/** The value lists of the choice flags, given by the app (app-kit depends on neither video nor runtime). */
export interface TrainFlagChoices {
  layouts: readonly string[];
  splits: readonly string[];
  backends: readonly string[];
}

/** `--backend <name>`, validated against `choices`. */
export function backendFlag(choices: readonly string[], fallback: string): Option {
  return new Option('--backend <name>', 'auto (tfjs-node, else wasm, else cpu), tensorflow, wasm or cpu')
    .argParser(choiceOption('--backend', choices))
    .default(fallback);
}

/** `--quantize <dtype>` for `compress`: also save the compact model with uint8, uint16 or float16 weights. */
export function quantizeFlag(): Option {
  return new Option('--quantize <dtype>', 'also save the compact model with quantized weights in <out>/quantized (uint8, uint16 or float16) and measure its accuracy').argParser(
    choiceOption('--quantize', QUANTIZE_DTYPES),
  );
}

/** `--out <dir>`: the run directory every command reads and writes. */
export function outFlag(fallback: string): Option {
  return new Option('--out <dir>', 'run directory (checkpoint, metrics, models, results, report)').default(fallback);
}

/**
 * Adds the shared training flags to `command`, with `d` as the defaults.
 * App-specific flags (frame size, extractor, projection, ...) are added by
 * the app after this.
 */
export function addCommonTrainFlags(command: Command, d: CommonTrainOptions, choices: TrainFlagChoices): Command {
  return command
    .option('--data <dir>', 'dataset root: UCF11 layout (<class>/v_<class>_<gg>/*.avi) or one folder per class', d.data)
    .addOption(new Option('--layout <layout>', 'dataset layout').argParser(choiceOption('--layout', choices.layouts)).default(d.layout))
    .addOption(new Option('--split <kind>', "'random' 80/20 clips (seeded), 'group' (groups kept on one side) or 'official' (UCF101's or HMDB51's split files)").argParser(choiceOption('--split', choices.splits)).default(d.split))
    .option('--fold <k>', "with --split official: which official split (UCF101 and HMDB51 ship 1-3)", integerOption('--fold'), d.fold ?? 1)
    .option('--split-dir <dir>', "with --split official: the folder of the split files (UCF101's ucfTrainTestlist, HMDB51's testTrainMulti_7030_splits); default: looked for under --data")
    .addOption(new Option('--missing-clips <mode>', "with --split official: 'skip' clips the split files list but the disk lacks (counted), or stop at the first ('error')").argParser(choiceOption('--missing-clips', ['skip', 'error'] as const)).default(d.missingClips ?? 'skip'))
    .option('--test-fraction <f>', 'share of clips in the test split', positiveOption('--test-fraction'), d.testFraction)
    .addOption(outFlag(d.out))
    .option('--frames <n>', 'frames per clip', integerOption('--frames'), d.frames)
    .option('--units <n>', 'LSTM hidden units', integerOption('--units'), d.units)
    .option('--batch <n>', 'clips per training step', integerOption('--batch'), d.batchSize)
    .option('--epochs <n>', 'epochs with the VIB (KL) loss', integerOption('--epochs', 0), d.epochs)
    .option('--warmup-epochs <n>', 'first VIB epochs with klFac 0 and the gates frozen (the uncompressed baseline)', integerOption('--warmup-epochs', 0), d.warmupEpochs)
    .option('--ramp-epochs <n>', 'fixed: epochs over which klFac then rises linearly to --kl-fac', integerOption('--ramp-epochs', 0), d.rampEpochs)
    .option('--fine-tune-epochs <n>', 'epochs with frozen hard masks after the VIB epochs', integerOption('--fine-tune-epochs', 0), d.fineTuneEpochs)
    .option('--pretrained', 'the pre-trained route: train a plain LSTM first, then insert bottlenecks and fine-tune with VIB')
    .option('--pretrain-epochs <n>', 'plain epochs of the pre-trained route (implies --pretrained)', integerOption('--pretrain-epochs', 0))
    .option('--lr <rate>', 'learning rate of the LSTM and head weights', positiveOption('--lr'), d.lr)
    .option('--ib-lr <rate>', 'learning rate of the VIB gate parameters', positiveOption('--ib-lr'), d.ibLr)
    .addOption(
      new Option('--policy <name>', "how klFac moves: 'budget' compresses while validation accuracy stays within --max-accuracy-drop; 'target' steers to --target-compression; 'fixed' ramps to --kl-fac")
        .argParser(choiceOption('--policy', POLICY_NAMES))
        .default(d.policy ?? 'budget'),
    )
    .option('--max-accuracy-drop <f>', "budget: largest validation accuracy drop below the uncompressed model, as a fraction (0.01 = 1 point)", fractionOption('--max-accuracy-drop'), d.maxAccuracyDrop ?? DEFAULT_MAX_ACCURACY_DROP)
    .option('--target-compression <x>', 'target: compression of the recurrent layer to reach (implies --policy target)', positiveOption('--target-compression'))
    .option('--validation-fraction <f>', "budget: share of each class's training clips held out for validation", fractionOption('--validation-fraction'), d.validationFraction ?? DEFAULT_VALIDATION_FRACTION)
    .option('--controls-per-epoch <n>', 'klFac updates and validation checks per epoch', integerOption('--controls-per-epoch', 1), d.controlsPerEpoch ?? DEFAULT_CONTROLS_PER_EPOCH)
    .option('--kl-fac <f>', "fixed: weight of the KL term after the ramp (also the layers' initial klFac)", nonNegativeOption('--kl-fac'), d.klFac)
    .option('--kl-mult <m>', 'multiplier of every gate KL term', positiveOption('--kl-mult'), d.klMult)
    .option('--weight-decay <w>', 'L2 weight decay of the non-gate weights', nonNegativeOption('--weight-decay'), d.weightDecay)
    .option('--dropout <rate>', 'dropout before the head', nonNegativeOption('--dropout'), d.dropout)
    .addOption(new Option('--shrink', 'shrink as you train: remove inputs and units pruned for --shrink-patience epochs in a row from the live model').default(d.shrink ?? false))
    .option('--no-shrink', 'keep the model at full size during training (masks only)')
    .option('--shrink-patience <n>', 'epochs in a row an input or unit must stay pruned before it is removed', integerOption('--shrink-patience'), d.shrinkPatience ?? DEFAULT_SHRINK_PATIENCE)
    .addOption(
      new Option('--shrink-mode <mode>', "with --shrink: 'remove' takes them out of the live model; 'mask' silences them at full size (same training, no speed-up)")
        .argParser(choiceOption('--shrink-mode', SHRINK_MODES))
        .default(d.shrinkMode ?? DEFAULT_SHRINK_MODE),
    )
    .option('--shrink-checks <n>', 'shrink checks per epoch, evenly between its batches (--shrink-patience counts checks)', integerOption('--shrink-checks', 1), d.shrinkChecks ?? 1)
    .option('--workers <n>', 'data-parallel training over n worker threads (wasm is single-threaded: 2 uses both cores of a 2-core machine)', integerOption('--workers'), d.workers ?? 1)
    .option('--seed <n>', 'seed of the split, initialisation, gate noise, dropout, shuffling and frame sampling', integerOption('--seed', 0), d.seed)
    .addOption(backendFlag(choices.backends, d.backend))
    .option('--resume', 'continue from the checkpoint in --out (with the options it was started with)', false)
    .option('--no-progress', 'no progress bars');
}

/** What commander hands over for the shared flags (before `toCommonTrainOptions`). */
export interface RawTrainFlags {
  batch: number;
  policy?: PolicyName;
  targetCompression?: number;
  pretrained?: boolean;
  pretrainEpochs?: number;
  progress: boolean;
}

/**
 * commander's values -> options: `--batch` is `batchSize`, `--pretrained`
 * without `--pretrain-epochs` means the defaults' plain epochs (at least 1),
 * and `--no-progress` turns the bars off (else: when stderr is a terminal).
 */
export function toCommonTrainOptions<R extends RawTrainFlags, O extends { pretrainEpochs: number }>(
  raw: R,
  d: O,
): Omit<R, keyof RawTrainFlags> & { batchSize: number; pretrainEpochs: number; progress: boolean | undefined; policy: PolicyName; targetCompression: number | undefined } {
  const { batch, pretrained, pretrainEpochs, progress, policy, targetCompression, ...rest } = raw;
  const plain = pretrainEpochs ?? (pretrained ? Math.max(1, d.pretrainEpochs || 5) : 0);
  // A target given on its own says which policy is meant.
  const chosen: PolicyName = targetCompression != null && (policy == null || policy === 'budget') ? 'target' : (policy ?? 'budget');
  return { ...rest, batchSize: batch, pretrainEpochs: plain, progress: progress ? undefined : false, policy: chosen, targetCompression };
}

/** The action wrapper of every command: an error prints one line and exits with status 1. */
export function exitOnError(error: unknown): never {
  console.error(`error: ${(error as Error).message ?? error}`);
  process.exit(1);
}
