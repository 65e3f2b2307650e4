import * as tfl from '@tensorflow/tfjs-layers';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';

export interface DemoModelOptions {
  steps: number;
  features: number;
  units: number;
  classes: number;
  klFac: number;
  seed: number;
}

/** Input VIB gate -> VIB-LSTM -> softmax head: the paper's end-to-end model, small. */
export function buildDemoModel(options: DemoModelOptions): tfl.LayersModel {
  const { steps, features, units, classes, klFac, seed } = options;
  return tfl.sequential({
    layers: [
      new VIBLSTM({ units, inputShape: [steps, features], inputBottleneck: true, klFac, seed }),
      tfl.layers.dense({
        units: classes,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 17 }),
      }),
    ],
  });
}
