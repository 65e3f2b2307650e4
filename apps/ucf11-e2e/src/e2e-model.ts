import * as tfl from '@tensorflow/tfjs-layers';
import type { ProjectionSpec } from '@tfjs-compress/vib-rnn';
import './register.js';
import { insertBottlenecks } from '@tfjs-compress/prune';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';

export interface E2eModelOptions {
  /** Frames per clip, T. */
  frames: number;
  /** Features per frame: width * height * 3. */
  features: number;
  /** LSTM hidden units, H. */
  units: number;
  classes: number;
  /** Dropout before the head (the paper's end-to-end model: 0.5). */
  dropout: number;
  klFac: number;
  klMult: number;
  seed: number;
  /** Input-to-hidden map of the VIB-LSTM (e.g. `{className: 'tensor-train', config}`). Default: dense. */
  projection?: ProjectionSpec;
}

/** Batch-norm momentum: PyTorch's 0.01 (weight of the new batch) is tfjs's 0.99 (weight of the old average). */
export const HEAD_BN_MOMENTUM = 0.99;

/** The paper's head after the last time step: dropout, dense(H->H), batch norm, ReLU, dense(H->classes), softmax. */
function head(options: E2eModelOptions): tfl.layers.Layer[] {
  const { units, classes, dropout, seed } = options;
  return [
    tfl.layers.dropout({ rate: dropout, seed: seed + 13, name: 'head_dropout' }),
    tfl.layers.dense({ units, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 17 }), name: 'head_dense' }),
    tfl.layers.batchNormalization({ momentum: HEAD_BN_MOMENTUM, name: 'head_bn' }),
    tfl.layers.activation({ activation: 'relu', name: 'head_relu' }),
    tfl.layers.dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 19 }),
      name: 'classifier',
    }),
  ];
}

/** The paper's end-to-end model: frames flattened -> input VIB gate -> VIB-LSTM -> head -> softmax. */
export function buildE2eModel(options: E2eModelOptions): tfl.LayersModel {
  const { frames, features, units, klFac, klMult, seed, projection } = options;
  return tfl.sequential({
    name: 'ucf11_e2e',
    layers: [
      new VIBLSTM({
        name: 'vib_lstm',
        units,
        inputShape: [frames, features],
        inputBottleneck: true,
        klFac,
        klMult,
        seed,
        ...(projection ? { projection } : {}),
      }),
      ...head(options),
    ],
  });
}

/**
 * The plain model of the pre-trained route: `tf.layers.lstm` (sigmoid gates
 * as in PyTorch, seeded Glorot initializers instead of the slow orthogonal
 * default) and the same head. `toVibModel` then inserts the bottlenecks.
 */
export function buildPlainModel(options: E2eModelOptions): tfl.LayersModel {
  const { frames, features, units, seed } = options;
  return tfl.sequential({
    name: 'ucf11_e2e',
    layers: [
      tfl.layers.lstm({
        name: 'vib_lstm',
        units,
        inputShape: [frames, features],
        recurrentActivation: 'sigmoid',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1009 }),
        recurrentInitializer: tfl.initializers.glorotUniform({ seed: seed + 2018 }),
      }),
      ...head(options),
    ],
  });
}

/** The pre-trained route's conversion: the plain model with VIB gates at identity (input gate included). */
export function toVibModel(plain: tfl.LayersModel, options: Pick<E2eModelOptions, 'klFac' | 'klMult' | 'seed'>): tfl.LayersModel {
  return insertBottlenecks(plain, {
    inputBottleneck: 'first',
    gates: { klFac: options.klFac, klMult: options.klMult, seed: options.seed },
  });
}
