import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';

export interface SequenceModelOptions {
  steps: number;
  features: number;
  units: number;
  classes: number;
  seed: number;
}

/**
 * The plain baseline: tf.layers.lstm (or gru) -> softmax. Sigmoid gates and a
 * glorotUniform recurrent kernel, as VIBLSTM's defaults, so both routes
 * train the same network.
 */
export function plainLstmModel(o: SequenceModelOptions, cell: 'lstm' | 'gru' = 'lstm'): tfl.LayersModel {
  const recurrent = cell === 'gru' ? tfl.layers.gru : tfl.layers.lstm;
  return tfl.sequential({
    layers: [
      recurrent({
        units: o.units,
        inputShape: [o.steps, o.features],
        recurrentActivation: 'sigmoid',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed }),
        recurrentInitializer: tfl.initializers.glorotUniform({ seed: o.seed + 1 }),
      }),
      tfl.layers.dense({ units: o.classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed + 17 }) }),
    ],
  });
}

/** The from-scratch VIB model: input gate -> VIB-LSTM (gates on every LSTM gate) -> softmax. Library defaults otherwise. */
export function vibLstmModel(o: SequenceModelOptions): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      new VIBLSTM({ units: o.units, inputShape: [o.steps, o.features], inputBottleneck: true, seed: o.seed }),
      tfl.layers.dense({ units: o.classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed + 17 }) }),
    ],
  });
}
