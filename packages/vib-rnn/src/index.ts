export {
  createProjection,
  registerProjection,
  registeredProjections,
  serializeProjection,
  type InputProjection,
  type ProjectionBuildContext,
  type ProjectionFactory,
  type ProjectionSpec,
  type SerializedProjection,
} from './projection.js';
export { DenseProjection } from './dense-projection.js';
export { VIB_RNN_DEFAULTS } from './defaults.js';
export { ACTIVATION_NAMES, resolveActivation } from './activations.js';
export {
  VIBRecurrentCell,
  type StepContext,
  type VIBRecurrentCellArgs,
} from './vib-recurrent-cell.js';
export { LSTM_GATES, VIBLSTMCell, type VIBLSTMCellArgs } from './vib-lstm-cell.js';
export { GRU_GATES, VIBGRUCell, type VIBGRUCellArgs } from './vib-gru-cell.js';
export { VIBRecurrentLayer, type VIBRecurrentLayerArgs } from './vib-recurrent-layer.js';
export { VIBLSTM, type VIBLSTMArgs } from './vib-lstm.js';
export { VIBGRU, type VIBGRUArgs } from './vib-gru.js';

import { patchBidirectionalLosses } from './bidirectional-losses.js';
import { VIBGRU, type VIBGRUArgs } from './vib-gru.js';
import { VIBGRUCell, type VIBGRUCellArgs } from './vib-gru-cell.js';
import { VIBLSTM, type VIBLSTMArgs } from './vib-lstm.js';
import { VIBLSTMCell, type VIBLSTMCellArgs } from './vib-lstm-cell.js';

/** Factories in the style of `tf.layers.*`. */
export const vibLstm = (args: VIBLSTMArgs): VIBLSTM => new VIBLSTM(args);
export const vibGru = (args: VIBGRUArgs): VIBGRU => new VIBGRU(args);
export const vibLstmCell = (args: VIBLSTMCellArgs): VIBLSTMCell => new VIBLSTMCell(args);
export const vibGruCell = (args: VIBGRUCellArgs): VIBGRUCell => new VIBGRUCell(args);

export { patchBidirectionalLosses } from './bidirectional-losses.js';
// VIB layers inside tf.layers.bidirectional need their KL terms in the loss (see patchBidirectionalLosses).
patchBidirectionalLosses();
