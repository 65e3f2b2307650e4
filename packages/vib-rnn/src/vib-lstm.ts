import * as tf from '@tensorflow/tfjs-core';
import { VIBLSTMCell } from './vib-lstm-cell.js';
import { VIBRecurrentLayer, type VIBRecurrentLayerArgs } from './vib-recurrent-layer.js';

export type VIBLSTMArgs = VIBRecurrentLayerArgs;

/**
 * Drop-in for `tf.layers.lstm` with VIB gates on i, f, g, o and, with
 * `inputBottleneck: true`, on the input features.
 */
export class VIBLSTM extends VIBRecurrentLayer {
  static override className = 'VIBLSTM';

  constructor(args: VIBLSTMArgs) {
    super(args, new VIBLSTMCell(args));
  }
}
tf.serialization.registerClass(VIBLSTM);
