import { Command, Option, InvalidArgumentError as CliArgumentError } from 'commander';
import {
  addCommonTrainFlags,
  backendFlag,
  choiceOption,
  exitOnError,
  integerOption,
  nonNegativeOption,
  outFlag,
  shardOf,
  sweepCommand,
  toCommonTrainOptions,
  type RawTrainFlags,
  quantizeFlag,
} from '@tfjs-compress/app-kit';
import type { QuantizeDtype } from '@tfjs-compress/prune';
import { BACKEND_CHOICES } from '@tfjs-compress/runtime';
import { READ_LAYOUTS, SYNTHETIC_DIFFICULTIES, type SyntheticDifficulty } from '@tfjs-compress/video';
import { MISSING_FEATURES } from './cached-split.js';
import { extractFeatures, featureStatus } from './features.js';
import { DEFAULT_TRAIN_OPTIONS, NORMALIZATIONS, RANDOM_EXTRACTOR, SPLITS, type CnnLstmTrainOptions } from './options.js';
import { BENCH_EDGE_DEFAULTS, benchEdge, type BenchEdgeOptions } from './bench-edge.js';
import { DEMO_DEFAULTS, runDemo } from './demo.js';
import { INFER_MODELS, infer, type InferModel } from './infer.js';
import { compress, evaluateRun, report, type RunCommandOptions } from './run-commands.js';
import { sweepCnnLstm } from './sweep.js';
import { generateSet } from './synthetic-set.js';
import { train } from './train.js';

const CHOICES = { layouts: READ_LAYOUTS, splits: SPLITS, backends: BACKEND_CHOICES };

/** `<rows>x<cols>` (or one number for a square), e.g. `--input-size 299x299`. */
function sizeOption(name: string): (value: string) => [number, number] {
  return (value) => {
    const parts = value.toLowerCase().split('x').map(Number);
    const [h, w] = parts.length === 1 ? [parts[0], parts[0]] : parts;
    if (parts.length > 2 || !Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
      throw new CliArgumentError(`${name} must be <height>x<width> or one positive integer, got '${value}'.`);
    }
    return [h, w];
  };
}

/** The flags of `train` (shared ones from app-kit, then the CNN ones). */
function addTrainFlags(command: Command, d: CnnLstmTrainOptions): Command {
  return addCommonTrainFlags(command, d, CHOICES)
    .option('--extractor <source>', `frame feature extractor: '${RANDOM_EXTRACTOR}' (built in: untrained, seeded, offline) or a tfjs model folder, model.json or http(s) URL`, d.extractor)
    .option('--extractor-output <name>', 'layer (layers model) or node (graph model) to read features from; default: the model output')
    .option('--input-size <hxw>', 'frame size fed to the extractor, e.g. 299x299; default: the model input (120x160 for random-conv)', sizeOption('--input-size'))
    .addOption(new Option('--normalization <kind>', 'pixel normalisation before the extractor: imagenet, unit ([0,1]), none, symmetric ([-1,1])').argParser(choiceOption('--normalization', NORMALIZATIONS)).default(d.normalization))
    .option('--feature-size <n>', `${RANDOM_EXTRACTOR}: features per frame`, integerOption('--feature-size'), d.featureSize)
    .option('--extractor-seed <n>', `${RANDOM_EXTRACTOR}: seed of its fixed weights`, integerOption('--extractor-seed', 0), d.extractorSeed)
    .option('--pool-grid <rxc>', `${RANDOM_EXTRACTOR}: average-pooling grid of its last feature map (1x1: global pooling)`, sizeOption('--pool-grid'), d.poolGrid)
    .option('--samplings <n>', 'cached frame samplings per training clip (random stride/start/flip; one picked per epoch)', integerOption('--samplings'), d.samplings)
    .option('--cache-dir <dir>', 'feature cache; default <out>/feature-cache')
    .addOption(new Option('--missing-features <mode>', "cache entries missing when training starts: 'extract' them here, 'fail' (a shared cache the features shards should have filled), or 'skip' those clips (counted); default: fail with --cache-dir, else extract").argParser(choiceOption('--missing-features', MISSING_FEATURES)))
    .option('--group-lasso <lambda>', 'group-lasso stage after VIB with this weight (0: none)', nonNegativeOption('--group-lasso'), d.groupLasso)
    .option('--group-lasso-epochs <n>', 'epochs of the group-lasso stage', integerOption('--group-lasso-epochs'), d.groupLassoEpochs);
}

type RawTrain = Omit<CnnLstmTrainOptions, 'batchSize' | 'pretrainEpochs' | 'progress'> & RawTrainFlags;

export function toTrainOptions(raw: RawTrain, d: CnnLstmTrainOptions): CnnLstmTrainOptions {
  return toCommonTrainOptions(raw, d);
}


const runCommand = (root: Command, name: string, description: string) =>
  root.command(name).description(description).addOption(outFlag(DEFAULT_TRAIN_OPTIONS.out)).addOption(backendFlag(BACKEND_CHOICES, DEFAULT_TRAIN_OPTIONS.backend));

/** The `ucf11-cnn-lstm` program. */
export function program(): Command {
  const root = new Command('ucf11-cnn-lstm').showHelpAfterError();
  root.description('UCF11 CNN-LSTM: per-frame CNN features (cached) -> feature VIB gate -> VIB-LSTM -> head. Train, compress, evaluate, infer, benchmark and report.');

  const trainCommand = root
    .command('train')
    .description('extract and cache the CNN features, then train the VIB-LSTM (a checkpoint each epoch, metrics.jsonl, --resume); saves <out>/vib-model')
    .addHelpText('after', `\nExamples:\n  ucf11-cnn-lstm generate --data data/synthetic\n  ucf11-cnn-lstm train --data data/synthetic --out runs/cnn --frames 16 --units 256\n  ucf11-cnn-lstm train --data ~/UCF11 --extractor models/inception_v3 --extractor-output avg_pool --input-size 299x299 --normalization symmetric`);
  addTrainFlags(trainCommand, DEFAULT_TRAIN_OPTIONS)
    .action(async (raw: RawTrain) => {
      await train(toTrainOptions(raw, DEFAULT_TRAIN_OPTIONS)).catch(exitOnError);
    });

  const featuresCommand = root
    .command('features')
    .description("fill the feature cache of a run's clips without training, for one shard of them (--shard i/n; or JOB_COMPLETION_INDEX with --shards n, or SLURM_ARRAY_TASK_ID): shards share --cache-dir and can be rerun; --status counts what is there")
    .addHelpText('after', `\nExamples:\n  ucf11-cnn-lstm features --data ~/UCF11 --cache-dir /shared/cache --shard 0/4\n  ucf11-cnn-lstm features --data ~/UCF11 --cache-dir /shared/cache --status`);
  addTrainFlags(featuresCommand, DEFAULT_TRAIN_OPTIONS)
    .option('--shard <i/n>', 'this process takes clips i, i + n, i + 2n, ... (0-based) of the sorted clip list')
    .option('--shards <n>', 'shard count, with JOB_COMPLETION_INDEX (Kubernetes Indexed Job)', integerOption('--shards'))
    .option('--status', 'count the entries cached, missing and corrupt (all shards), then exit', false)
    .action(async (raw: RawTrain & { shard?: string; shards?: number; status: boolean }) => {
      const { shard, shards, status, ...rest } = raw;
      const o = toTrainOptions(rest as RawTrain, DEFAULT_TRAIN_OPTIONS);
      const run = status ? featureStatus(o) : extractFeatures(o, shardOf(shard, shards));
      await run.catch(exitOnError);
    });

  root
    .command('generate')
    .description('write a synthetic UCF11-style set of real video files (skipped when a complete one exists)')
    .option('--data <dir>', 'where to write it', 'output/ucf11-cnn-lstm/synthetic-ucf11')
    .option('--classes <n>', 'classes (first n of UCF11)', integerOption('--classes'), 11)
    .option('--groups <n>', 'groups per class', integerOption('--groups'), 8)
    .option('--clips <n>', 'clips per group', integerOption('--clips'), 4)
    .option('--frames <n>', 'frames per clip', integerOption('--frames'), 32)
    .option('--width <px>', 'frame width (even)', integerOption('--width'), 160)
    .option('--height <px>', 'frame height (even)', integerOption('--height'), 120)
    .addOption(new Option('--difficulty <level>', 'easy, normal or hard').argParser(choiceOption('--difficulty', SYNTHETIC_DIFFICULTIES)).default('easy'))
    .option('--seed <n>', 'seed', integerOption('--seed', 0), 1)
    .action(async (raw: { data: string; classes: number; groups: number; clips: number; frames: number; width: number; height: number; difficulty: SyntheticDifficulty; seed: number }) => {
      const { data, groups, clips, frames, ...rest } = raw;
      await generateSet({ root: data, groupsPerClass: groups, clipsPerGroup: clips, framesPerClip: frames, ...rest }).catch(exitOnError);
    });

  runCommand(root, 'compress', "compact the trained VIB model into plain tfjs layers (<out>/compact) and measure both: accuracy, parameters, FLOPs, latency (<out>/results.json)")
    .option('--latency-runs <n>', 'timed predictions per model', integerOption('--latency-runs'), 10)
    .addOption(quantizeFlag())
    .action(async (raw: RunCommandOptions & { latencyRuns: number; quantize?: QuantizeDtype }) => {
      await compress(raw).catch(exitOnError);
    });

  runCommand(root, 'eval', 'test accuracy and loss of the VIB model and (when compressed) the compact model (<out>/eval.json)')
    .action(async (raw: RunCommandOptions) => {
      await evaluateRun(raw).catch(exitOnError);
    });

  runCommand(root, 'infer', 'classify one clip: top-k classes with probabilities, and the time of each stage')
    .argument('<clip>', 'a video file')
    .addOption(new Option('--model <which>', 'compact or vib').argParser(choiceOption('--model', INFER_MODELS)).default('compact'))
    .option('--top-k <k>', 'classes to show', integerOption('--top-k'), 3)
    .option('--json', 'print JSON')
    .action(async (clip: string, raw: RunCommandOptions & { model: InferModel; topK: number; json?: boolean }) => {
      const { predictions, engine, ms } = await infer(clip, raw).catch(exitOnError);
      if (raw.json) console.log(JSON.stringify({ clip, model: raw.model, engine, predictions, ms }, null, 2));
      else {
        console.log(`${clip} (${raw.model} model, ${engine}; decode ${ms.decode.toFixed(0)} ms, features ${ms.features.toFixed(0)} ms, LSTM ${ms.lstm.toFixed(1)} ms):`);
        for (const p of predictions) console.log(`  ${(100 * p.probability).toFixed(1).padStart(5)}%  ${p.className}`);
      }
    });

  runCommand(root, 'report', 'write <out>/report.html: figures, loss/accuracy curves, kept inputs and units, log alpha histograms')
    .action(async (raw: RunCommandOptions) => {
      await report(raw).catch(exitOnError);
    });

  root
    .command('bench-edge')
    .description('per-clip latency at batch 1 (warmed up, median and spread): feature extraction, LSTM + head of the uncompressed and the compact model, totals and the LSTM speed-up')
    .option('--out <dir>', "a trained and compressed run directory; without it, a synthetic setup: the paper-size VIB model with gates set to keep --kept-inputs/--kept-units")
    .addOption(backendFlag(BACKEND_CHOICES, DEFAULT_TRAIN_OPTIONS.backend))
    .option('--runs <n>', 'timed runs per stage', integerOption('--runs'), BENCH_EDGE_DEFAULTS.runs)
    .option('--warmup <n>', 'untimed runs first', integerOption('--warmup', 0), BENCH_EDGE_DEFAULTS.warmup)
    .option('--frames <n>', 'synthetic setup: frames per clip', integerOption('--frames'), BENCH_EDGE_DEFAULTS.frames)
    .option('--features <n>', 'synthetic setup: CNN features per frame', integerOption('--features'), BENCH_EDGE_DEFAULTS.features)
    .option('--units <n>', 'synthetic setup: LSTM units', integerOption('--units'), BENCH_EDGE_DEFAULTS.units)
    .option('--kept-inputs <n>', 'synthetic setup: inputs the compact model keeps', integerOption('--kept-inputs'), BENCH_EDGE_DEFAULTS.keptInputs)
    .option('--kept-units <n>', 'synthetic setup: units the compact model keeps', integerOption('--kept-units'), BENCH_EDGE_DEFAULTS.keptUnits)
    .option('--json-out <file>', 'also write the JSON here')
    .option('--json', 'print JSON instead of the table')
    .action(async (raw: BenchEdgeOptions & { json?: boolean }) => {
      const result = await benchEdge(raw, raw.json ? () => undefined : console.log).catch(exitOnError);
      if (raw.json) console.log(JSON.stringify(result, null, 2));
    });

  sweepCommand<RawTrain>(addTrainFlags(root.command('sweep'), { ...DEFAULT_TRAIN_OPTIONS, out: 'runs/ucf11-cnn-lstm-sweep' }), (raw, klFacs, sharding) =>
    sweepCnnLstm(toTrainOptions(raw as RawTrain, DEFAULT_TRAIN_OPTIONS), klFacs, console.log, sharding));

  addTrainFlags(root.command('demo'), DEMO_DEFAULTS)
    .description('npm start: generate the synthetic set if missing, train, compress, evaluate, benchmark and report, sized for about 10 minutes on wasm')
    .action(async (raw: RawTrain) => {
      await runDemo(toTrainOptions(raw, DEMO_DEFAULTS)).catch(exitOnError);
    });
  return root;
}
