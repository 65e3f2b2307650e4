import * as tf from '@tensorflow/tfjs-core';
import { VIBGRUCell } from './vib-gru-cell.js';
import { VIBRecurrentLayer, type VIBRecurrentLayerArgs } from './vib-recurrent-layer.js';

export type VIBGRUArgs = VIBRecurrentLayerArgs;

/**
 * Drop-in for `tf.layers.gru` (tfjs's reset-before convention) with VIB gates
 * on the update, reset and candidate gates and, with `inputBottleneck: true`,
 * on the input features.
 */
export class VIBGRU extends VIBRecurrentLayer {
  static override className = 'VIBGRU';

  constructor(args: VIBGRUArgs) {
    super(args, new VIBGRUCell(args));
  }
}
tf.serialization.registerClass(VIBGRU);
