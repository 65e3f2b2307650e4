import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { insertBottlenecks } from '@tfjs-compress/prune';
import { evaluateAccuracy, type FitRecord, type FitVIBOptions } from '@tfjs-compress/train';
import { sweep, type SweepResult } from '@tfjs-compress/vib';
import { VIBGRU } from '@tfjs-compress/vib-rnn';
import { compressAndEvaluate } from './compress-route.js';
import { PULSE_TASK, pulseTask } from './generated-task.js';
import { MNIST_CLASSES, MNIST_SIDE, disposeSplit, loadSequentialMnist, type SequenceSet } from './mnist-data.js';
import { plainLstmModel, vibLstmModel, type SequenceModelOptions } from './models.js';
import { trainPlain } from './plain-training.js';

export type TaskName = 'pulse' | 'mnist';
export type CellName = 'lstm' | 'gru';
/** klFac: fixed schedule; targetCompression: the target control; maxAccuracyDrop: the accuracy budget (0.01 is the default mode). */
export type SweepParameter = 'klFac' | 'targetCompression' | 'maxAccuracyDrop';
export type Route = 'scratch' | 'pretrained';

export interface SweepTaskOptions {
  task: TaskName;
  cell: CellName;
  route: Route;
  parameter: SweepParameter;
  values: number[];
  units: number;
  /** Epochs of the VIB fit (fitVIB's default when omitted). */
  epochs?: number;
  plainEpochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  limit?: number;
  log: (line: string) => void;
}

export interface TaskData {
  train: SequenceSet;
  validation: SequenceSet;
  test: SequenceSet;
  shape: SequenceModelOptions;
  dispose(): void;
}

export function loadTask(task: TaskName, units: number, seed: number, limit?: number): TaskData {
  if (task === 'mnist') {
    const split = loadSequentialMnist({ seed, limit });
    return {
      ...split,
      shape: { steps: MNIST_SIDE, features: MNIST_SIDE, units, classes: MNIST_CLASSES, seed },
      dispose: () => disposeSplit(split),
    };
  }
  const base = { ...PULSE_TASK, seed };
  const train = pulseTask({ ...base, samples: limit ?? 4096 });
  const validation = pulseTask({ ...base, samples: 512, seed: seed + 7919 });
  const test = pulseTask({ ...base, samples: 1024, seed: seed + 104729 });
  return {
    train,
    validation,
    test,
    shape: { steps: PULSE_TASK.steps, features: PULSE_TASK.features, units, classes: PULSE_TASK.classes, seed },
    dispose: () => tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y]),
  };
}

function vibGruModel(o: SequenceModelOptions): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      new VIBGRU({ units: o.units, inputShape: [o.steps, o.features], inputBottleneck: true, seed: o.seed }),
      tfl.layers.dense({ units: o.classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed + 17 }) }),
    ],
  });
}

export interface SweepRunSummary {
  sweep: SweepResult;
  baselineAccuracy: number;
  task: TaskName;
  cell: CellName;
  route: Route;
  units: number;
}

/**
 * Trains a plain baseline once, then one VIB model per swept value (klFac in
 * fixed mode, or a target compression), each compacted and scored on the
 * test set. The pre-trained route starts every value from the baseline.
 */
export async function runSweep(o: SweepTaskOptions): Promise<SweepRunSummary> {
  const data = loadTask(o.task, o.units, o.seed, o.limit);
  const plain = plainLstmModel(data.shape, o.cell === 'gru' ? 'gru' : 'lstm');
  trainPlain(plain, data.train.x, data.train.y, {
    epochs: o.plainEpochs,
    batchSize: o.batchSize,
    lr: o.lr,
    seed: o.seed,
    onEpoch: (e, loss) => o.log(`plain epoch ${e}/${o.plainEpochs} loss ${loss.toFixed(4)}`),
  });
  const baselineAccuracy = evaluateAccuracy(plain, data.test);
  o.log(`plain ${o.cell.toUpperCase()}(${o.units}) on ${o.task}: test ${(100 * baselineAccuracy).toFixed(2)}%`);
  const result = await sweep(
    o.parameter,
    o.values,
    async (value) => {
      const model =
        o.route === 'pretrained'
          ? insertBottlenecks(plain, { gates: { seed: o.seed } })
          : (o.cell === 'gru' ? vibGruModel : vibLstmModel)(data.shape);
      const fit: FitVIBOptions =
        o.parameter === 'klFac'
          ? { klFac: value }
          : o.parameter === 'targetCompression'
            ? { targetCompression: value, validation: data.validation }
            : { maxAccuracyDrop: value, validation: data.validation };
      const onRecord = (r: FitRecord) =>
        o.log(
          `  [${o.parameter}=${value}] ${r.phase.padEnd(9)} ${r.progress.toFixed(2).padStart(6)}  klFac ${r.klFac.toExponential(2)}  ` +
            `compression ${r.compression.toFixed(1)}x  val ${r.validationAccuracy == null ? '-' : (100 * r.validationAccuracy).toFixed(1)}%`,
        );
      const outcome = await compressAndEvaluate(model, data.train, data.test, {
        lr: o.route === 'scratch' ? o.lr : undefined,
        batchSize: o.batchSize,
        seed: o.seed,
        epochs: o.epochs,
        onRecord,
        ...fit,
      });
      model.dispose();
      return {
        accuracy: outcome.testAccuracy,
        compression: outcome.lstmCompression,
        details: {
          paramsBefore: outcome.lstmParamsBefore,
          paramsAfter: outcome.lstmParamsAfter,
          keptInputs: outcome.keptInputs,
          keptUnits: outcome.keptUnits,
          maskCompression: outcome.fit.maskCompression,
          reached: outcome.fit.reached,
          selected: outcome.fit.selected,
          seconds: outcome.seconds,
        },
      };
    },
    (p) => o.log(`${o.parameter}=${p.value}: ${p.compression.toFixed(1)}x, test ${(100 * p.accuracy).toFixed(2)}% (plain ${(100 * baselineAccuracy).toFixed(2)}%)`),
  );
  plain.dispose();
  data.dispose();
  return { sweep: result, baselineAccuracy, task: o.task, cell: o.cell, route: o.route, units: o.units };
}
