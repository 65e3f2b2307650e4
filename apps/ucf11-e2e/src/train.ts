import type * as tfl from '@tensorflow/tfjs-layers';
import { DEFAULT_WORKER_IMPORTS, resumedTrainOptions, trainRun, type EpochRecord } from '@tfjs-compress/app-kit';
import { describeBackend, selectBackend } from '@tfjs-compress/runtime';
import { InvalidArgumentError } from '@tfjs-compress/common';
import type { VideoClip } from '@tfjs-compress/video';
import { closableVideoSource, loadSplit, streamOptionsOf } from './dataset.js';
import { buildE2eModel, buildPlainModel, toVibModel, type E2eModelOptions } from './e2e-model.js';
import type { TrainOptions } from './options.js';
import type { RunRecord } from './run-files.js';

export interface TrainOutcome {
  model: tfl.LayersModel;
  history: EpochRecord[];
  run: RunRecord;
  resumedFrom: number;
}

export function modelOptions(options: TrainOptions, classes: number): E2eModelOptions {
  return {
    frames: options.frames,
    features: options.width * options.height * 3,
    units: options.units,
    classes,
    dropout: options.dropout,
    klFac: options.klFac,
    klMult: options.klMult,
    seed: options.seed,
    projection: projectionSpec(options),
  };
}

/** `{className, config}` of a tensor-train / tensor-ring projection (undefined: dense). */
export function projectionSpec(options: Pick<TrainOptions, 'projection' | 'projectionRank' | 'projectionOrder' | 'seed'>) {
  if (options.projection === 'dense') return undefined;
  return {
    className: options.projection === 'tt' ? 'tensor-train' : 'tensor-ring',
    config: { ranks: options.projectionRank, order: options.projectionOrder, seed: options.seed + 4099 },
  };
}

/**
 * Trains the end-to-end model (optionally by the pre-trained route) through
 * app-kit's `trainRun`: a checkpoint per epoch in <out>/checkpoint, metrics
 * in <out>/metrics.jsonl, the final VIB model in <out>/vib-model. With
 * `shrink` (the default), pruned inputs and units leave the live model during
 * training; the saved vib-model is expanded back to the original sizes.
 */
export async function train(options: TrainOptions, log: (line: string) => void = console.log): Promise<TrainOutcome> {
  // A resumed run continues on the backend it started on (and with its other options: trainRun reads them too).
  const backend = await selectBackend(resumedTrainOptions(options).backend);
  log(describeBackend(backend));
  if (options.pretrainEpochs > 0 && options.projection !== 'dense') {
    throw new InvalidArgumentError('projection', options.projection, "'dense' on the pre-trained route (insertBottlenecks converts a plain dense LSTM)");
  }
  return trainRun<TrainOptions, VideoClip>({
    options,
    loadSplit,
    features: (o) => o.width * o.height * 3,
    describeModel: (o, split) => `${o.frames} x ${o.width * o.height * 3} -> VIB-LSTM(${o.units}) -> head -> ${split.classes.length}`,
    sources: async (o, split) => {
      const stream = streamOptionsOf(o, split.classes.length);
      return {
        train: closableVideoSource(split.train, 'train', stream),
        test: closableVideoSource(split.test, 'test', stream),
        validation: split.validation ? closableVideoSource(split.validation, 'test', stream) : undefined,
      };
    },
    buildModel: (o, classes, pretrained) => (pretrained ? buildPlainModel(modelOptions(o, classes)) : buildE2eModel(modelOptions(o, classes))),
    toVib: (plain, o) => toVibModel(plain, o),
    // TT/TR projections live in the tensor package.
    workerImports: [...DEFAULT_WORKER_IMPORTS, '@tfjs-compress/tensor'],
    log,
  });
}
