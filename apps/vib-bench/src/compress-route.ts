import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { compact } from '@tfjs-compress/prune';
import { fitVIB, type FitVIBOptions, type FitVIBResult } from '@tfjs-compress/train';
import { evaluateAccuracy, type LabelledData } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';

export interface RouteOutcome {
  /** Test accuracy of the compact plain-tfjs model. */
  testAccuracy: number;
  /** LSTM parameters before and after `compact` (its report). */
  lstmParamsBefore: number;
  lstmParamsAfter: number;
  lstmCompression: number;
  totalParamsBefore: number;
  totalParamsAfter: number;
  keptInputs: number;
  inputs: number;
  keptUnits: number;
  units: number;
  /** max |VIB model (hard masks) - compact model| over the test predictions. */
  maxPredictionDifference: number;
  fit: Omit<FitVIBResult, 'compression'> & { maskCompression: number };
  seconds: number;
  /** True when the masks pruned every unit (nothing to compact; accuracy is chance). */
  allPruned?: boolean;
}

/** fitVIB with the given options, then `compact`, then the test accuracy of the compact model. */
export async function compressAndEvaluate(
  model: tfl.LayersModel,
  train: LabelledData,
  test: LabelledData,
  options: FitVIBOptions,
): Promise<RouteOutcome> {
  const started = performance.now();
  const fit = await fitVIB(model, train, options);
  // fitVIB compiled the model with its own optimizer: its moments are not needed any more.
  model.optimizer.dispose();
  const { compression, ...rest } = fit;
  let result: ReturnType<typeof compact>;
  try {
    result = compact(model);
  } catch (error) {
    // Too large a klFac can prune every unit: a data point (chance accuracy), not a crash.
    if (!(error instanceof InvalidArgumentError)) throw error;
    const before = compression.paramsBefore;
    return {
      testAccuracy: evaluateAccuracy(model, test, 'hard'),
      lstmParamsBefore: before,
      lstmParamsAfter: 0,
      lstmCompression: Infinity,
      totalParamsBefore: before,
      totalParamsAfter: 0,
      keptInputs: 0,
      inputs: compression.layers[0]?.inputs ?? 0,
      keptUnits: 0,
      units: compression.layers[0]?.units ?? 0,
      maxPredictionDifference: 0,
      fit: { ...rest, maskCompression: compression.ratio },
      seconds: (performance.now() - started) / 1000,
      allPruned: true,
    };
  }
  const keptTest = tf.gather(test.x, result.keptInputs, 2);
  const testAccuracy = evaluateAccuracy(result.model, { x: keptTest, y: test.y });
  const maxPredictionDifference = tf.tidy(() => {
    const a = model.predict(test.x) as tf.Tensor;
    const b = result.model.predict(keptTest) as tf.Tensor;
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  });
  keptTest.dispose();
  const recurrent = result.report.recurrent;
  const layer = result.layers.find((l) => l.keptUnits != null);
  const outcome: RouteOutcome = {
    testAccuracy,
    lstmParamsBefore: recurrent.paramsBefore,
    lstmParamsAfter: recurrent.paramsAfter,
    lstmCompression: recurrent.paramsBefore / Math.max(1, recurrent.paramsAfter),
    totalParamsBefore: result.report.totals.paramsBefore,
    totalParamsAfter: result.report.totals.paramsAfter,
    keptInputs: result.keptInputs.length,
    inputs: layer?.inputsBefore ?? 0,
    keptUnits: layer?.unitsAfter ?? 0,
    units: layer?.unitsBefore ?? 0,
    maxPredictionDifference,
    fit: { ...rest, maskCompression: compression.ratio },
    seconds: (performance.now() - started) / 1000,
  };
  result.model.dispose();
  return outcome;
}
