import * as tfl from '@tensorflow/tfjs-layers';
import type { CommonTrainOptions } from '@tfjs-compress/app-kit';
import { insertBottlenecks } from '@tfjs-compress/prune';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';

/**
 * The model's shape and VIB settings: the run's frames (T), units (H),
 * dropout (on the last hidden state; the paper's CNN-LSTM has none), klFac,
 * klMult and seed, plus the CNN features per frame (F: 2048 for
 * Inception-v3's pooled output) and the number of classes.
 */
export type CnnLstmModelOptions = Pick<CommonTrainOptions, 'frames' | 'units' | 'dropout' | 'klFac' | 'klMult' | 'seed'> & { features: number; classes: number };

/**
 * Batch-norm momentum of the head (weight of the running average). Porting
 * note: the reference's PyTorch 0.01 is tfjs's 0.99, which needs hundreds
 * of steps before the running statistics are usable; the synthetic and
 * UCF11 training sets give 10-70 steps per epoch, so a model evaluated after
 * a few epochs predicted one class. 0.9 follows the batches within an epoch.
 */
export const CNN_LSTM_BN_MOMENTUM = 0.9;

const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });

/**
 * The recurrent part: a VIB-LSTM with a VIB gate on the CNN feature vector
 * (inputBottleneck), or for the pre-trained route a plain LSTM with
 * sigmoid gates (as PyTorch's) and seeded Glorot initialisers (the default
 * orthogonal one takes minutes at 2048 units on the cpu backend).
 */
function recurrent(o: CnnLstmModelOptions, vib: boolean): tfl.layers.Layer {
  const common = { name: 'lstm', units: o.units, inputShape: [o.frames, o.features] };
  if (vib) return new VIBLSTM({ ...common, inputBottleneck: true, klFac: o.klFac, klMult: o.klMult, seed: o.seed });
  return tfl.layers.lstm({ ...common, recurrentActivation: 'sigmoid', kernelInitializer: seeded(o.seed + 101), recurrentInitializer: seeded(o.seed + 103) });
}

/** CNN features [T, F] -> (VIB-)LSTM -> dense(H) -> batch norm -> ReLU -> dense(classes) -> softmax (the paper's CNN-LSTM). */
function classifier(o: CnnLstmModelOptions, vib: boolean): tfl.LayersModel {
  const layers = [recurrent(o, vib)];
  if (o.dropout > 0) layers.push(tfl.layers.dropout({ name: 'dropout', rate: o.dropout, seed: o.seed + 107 }));
  layers.push(
    tfl.layers.dense({ name: 'fc', units: o.units, kernelInitializer: seeded(o.seed + 109) }),
    tfl.layers.batchNormalization({ name: 'fc_bn', momentum: CNN_LSTM_BN_MOMENTUM }),
    tfl.layers.activation({ name: 'fc_relu', activation: 'relu' }),
    tfl.layers.dense({ name: 'logits', units: o.classes, activation: 'softmax', kernelInitializer: seeded(o.seed + 113) }),
  );
  return tfl.sequential({ name: 'ucf11_cnn_lstm', layers });
}

/** The from-scratch model: feature VIB gate -> VIB-LSTM -> head. */
export function buildCnnLstmModel(options: CnnLstmModelOptions): tfl.LayersModel {
  return classifier(options, true);
}

/** The pre-trained route's plain model (then `toVibCnnLstm`). */
export function buildPlainCnnLstmModel(options: CnnLstmModelOptions): tfl.LayersModel {
  return classifier(options, false);
}

/** Inserts the VIB gates at identity into a trained plain model, the feature gate included. */
export function toVibCnnLstm(plain: tfl.LayersModel, options: Pick<CnnLstmModelOptions, 'klFac' | 'klMult' | 'seed'>): tfl.LayersModel {
  return insertBottlenecks(plain, { inputBottleneck: 'first', gates: { klFac: options.klFac, klMult: options.klMult, seed: options.seed } });
}
