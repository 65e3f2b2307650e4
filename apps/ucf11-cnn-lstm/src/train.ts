import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler } from '@tfjs-compress/prune/node';
import { assertStepFitsWasm, groupLassoStage, trainingStep, runPaths, trainRun, type EpochRecord, type RunSplit } from '@tfjs-compress/app-kit';
import './register.js';
import { describeBackend, selectBackend } from '@tfjs-compress/runtime';
import { splitDataset, type VideoClip } from '@tfjs-compress/video';
import { missingFeaturesOf, splitOnCache } from './cached-split.js';
import { ClipFeatures } from './clip-features.js';
import { buildCnnLstmModel, buildPlainCnnLstmModel, toVibCnnLstm, type CnnLstmModelOptions } from './cnn-lstm-model.js';
import { extractorFromOptions } from './extractor-from-options.js';
import { FeatureCache } from './feature-cache.js';
import type { FrameFeatureExtractor } from './frame-feature-extractor.js';
import type { CnnLstmTrainOptions } from './options.js';
import { cacheDirOf, effectiveOptions, type CnnLstmRun } from './run-files.js';

export interface CnnLstmTrainOutcome {
  model: tfl.LayersModel;
  history: EpochRecord[];
  run: CnnLstmRun;
  resumedFrom: number;
}

export function modelOptionsOf(o: CnnLstmTrainOptions, features: number, classes: number): CnnLstmModelOptions {
  return { frames: o.frames, features, units: o.units, classes, dropout: o.dropout, klFac: o.klFac, klMult: o.klMult, seed: o.seed };
}

/** The dataset split of a run: 'random' clips (80/20 by default) or by 'group'. */
export async function splitOf(o: Pick<CnnLstmTrainOptions, 'data' | 'layout' | 'split' | 'testFraction' | 'seed' | 'fold' | 'missingClips' | 'splitDir'>): Promise<RunSplit<VideoClip>> {
  const { classes, train, test, notes } = await splitDataset(o.data, o);
  for (const note of notes) console.warn(`data: ${note}`);
  return { classes, train, test };
}

/** The run's ClipFeatures (extractor + cache + samplings). The caller disposes the extractor. */
export async function clipFeaturesOf(o: CnnLstmTrainOptions, extractor?: FrameFeatureExtractor): Promise<ClipFeatures> {
  const frameModel = extractor ?? (await extractorFromOptions(o));
  return new ClipFeatures(frameModel, new FeatureCache(cacheDirOf(o)), { frames: o.frames, samplings: o.samplings, seed: o.seed, progress: o.progress });
}

/**
 * `train`: features computed once per clip and sampling into the cache,
 * then the resumable VIB-LSTM training of app-kit (from scratch, or the
 * pre-trained route), then the optional group-lasso stage.
 */
export async function train(options: CnnLstmTrainOptions, log: (line: string) => void = console.log): Promise<CnnLstmTrainOutcome> {
  // A resumed run continues on the backend it started on.
  const o = effectiveOptions(options);
  const backend = await selectBackend(o.backend);
  log(describeBackend(backend));
  const extractor = await extractorFromOptions(o);
  let features: ClipFeatures | null = null;
  try {
    // Before extracting any feature: a step that cannot fit the wasm heap would fail only after it.
    const { step, flags } = trainingStep(o, extractor.featureSize);
    assertStepFitsWasm(step, backend.name, flags);
    features = await clipFeaturesOf(o, extractor);
    const clipFeatures = features;
    const outcome = await trainRun<CnnLstmTrainOptions, VideoClip>({
      options: o,
      loadSplit: async (opts) => splitOnCache(await splitOf(opts), clipFeatures, missingFeaturesOf(opts), log),
      features: () => extractor.featureSize,
      describeModel: (opts, split) =>
        `${opts.frames} frames x ${extractor.featureSize} features (${extractor.id}) -> VIB gate -> VIB-LSTM(${opts.units}) -> head -> ${split.classes.length}`,
      sources: async (opts, split) => {
        await clipFeatures.prepare(split.train, 'train', log);
        await clipFeatures.prepare(split.test, 'test', log);
        // Validation clips are judged like test clips: one deterministic frame sampling each.
        if (split.validation) await clipFeatures.prepare(split.validation, 'test', log);
        return {
          train: clipFeatures.source(split.train, 'train', opts.batchSize),
          test: clipFeatures.source(split.test, 'test', opts.batchSize),
          validation: split.validation ? clipFeatures.source(split.validation, 'test', opts.batchSize) : undefined,
        };
      },
      buildModel: (opts, classes, pretrained) => {
        const m = modelOptionsOf(opts, extractor.featureSize, classes);
        return pretrained ? buildPlainCnnLstmModel(m) : buildCnnLstmModel(m);
      },
      toVib: (plain, opts) => toVibCnnLstm(plain, opts),
      log,
    });
    if (o.groupLasso > 0) {
      outcome.model.dispose();
      const run = outcome.run;
      await groupLassoStage({
        out: o.out,
        lambda: o.groupLasso,
        epochs: o.groupLassoEpochs,
        train: clipFeatures.source(run.train, 'train', o.batchSize),
        test: run.test.length > 0 ? clipFeatures.source(run.test, 'test', o.batchSize) : undefined,
        seed: o.seed,
        lr: o.lr,
        ibLr: o.ibLr,
        weightDecay: o.weightDecay,
        progress: o.progress,
        log,
      });
      outcome.model = await tfl.loadLayersModel(fileSystemHandler(runPaths(o.out).vibModel));
    }
    return outcome;
  } finally {
    extractor.dispose();
  }
}
