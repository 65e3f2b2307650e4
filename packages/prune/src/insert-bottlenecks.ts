import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DEFAULT_LOG_D_MEAN, InvalidArgumentError, VIBLayer, assertOneOf, type VIBGateArgs } from '@tfjs-compress/vib';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { inputShapeOf, linearChain } from './chain.js';
import { cloneLayer } from './layer-clone.js';

export type InputBottleneckPlacement = 'first' | 'all' | 'none';
export const INPUT_BOTTLENECK_PLACEMENTS: readonly InputBottleneckPlacement[] = ['first', 'all', 'none'];
export const DEFAULT_INPUT_BOTTLENECK: InputBottleneckPlacement = 'first';

export interface InsertBottlenecksOptions {
  /**
   * Which recurrent layers get a VIB gate on their input features: the first
   * (the paper's end-to-end and CNN-LSTM models), all, or none.
   * Default: 'first'.
   */
  inputBottleneck?: InputBottleneckPlacement;
  /** A VIBLayer after every Dense layer but the last (prunes hidden dense units). Default: false. */
  denseBottleneck?: boolean;
  /**
   * Options of every new gate (klMult, klFac, threshold, inferenceMode, seed, ...).
   * `muInitializer` / `logDInitializer` default to exact identity: mu = 1, logD = -9.
   */
  gates?: VIBGateArgs;
}

/** Recurrent options copied from the built-in layer's config (initializers are moot: weights are copied). */
const RECURRENT_KEYS = [
  'units',
  'activation',
  'recurrentActivation',
  'useBias',
  'returnSequences',
  'goBackwards',
  'dropout',
  'recurrentDropout',
  'kernelRegularizer',
  'recurrentRegularizer',
  'biasRegularizer',
  'kernelConstraint',
  'recurrentConstraint',
  'biasConstraint',
] as const;

function identityGates(gates: VIBGateArgs): VIBGateArgs {
  return {
    muInitializer: 'ones',
    logDInitializer: tfl.initializers.constant({ value: DEFAULT_LOG_D_MEAN }),
    ...gates,
  };
}

/**
 * The paper's recommended route: from a trained plain model (linear chain
 * with `tf.layers.lstm` / `tf.layers.gru` and dense layers), the same model
 * with `VIBLSTM` / `VIBGRU` (gates on every gate and, per
 * `inputBottleneck`, on the inputs), all weights copied and every gate at
 * identity (mu = 1, log alpha = -9: mask 1), so it predicts exactly what the
 * input model predicts until VIB fine-tuning starts pruning.
 */
export function insertBottlenecks(model: tfl.LayersModel, options: InsertBottlenecksOptions = {}): tfl.LayersModel {
  const placement = options.inputBottleneck ?? DEFAULT_INPUT_BOTTLENECK;
  assertOneOf(placement, INPUT_BOTTLENECK_PLACEMENTS, 'inputBottleneck');
  const gates = identityGates(options.gates ?? {});
  const chain = linearChain(model);
  const lastDense = chain.map((l) => l.getClassName()).lastIndexOf('Dense');
  const input = tfl.input({ shape: inputShapeOf(model) as number[] });
  let x: tfl.SymbolicTensor = input;
  const copies: Array<() => void> = [];
  let recurrentSeen = 0;
  chain.forEach((layer, index) => {
    const className = layer.getClassName();
    if (className === 'LSTM' || className === 'GRU') {
      const config = layer.getConfig();
      for (const flag of ['returnState', 'stateful'] as const) {
        if (config[flag] === true) {
          throw new InvalidArgumentError('model', `layer '${layer.name}' (${className}, ${flag})`, `recurrent layers without ${flag} (unsupported)`);
        }
      }
      const args: Record<string, unknown> = { name: layer.name, ...gates };
      for (const key of RECURRENT_KEYS) if (config[key] != null) args[key] = config[key];
      args.inputBottleneck = placement === 'all' || (placement === 'first' && recurrentSeen === 0);
      args.gateBottleneck = true;
      recurrentSeen++;
      const vib = className === 'LSTM' ? new VIBLSTM(args as never) : new VIBGRU(args as never);
      x = vib.apply(x) as tfl.SymbolicTensor;
      copies.push(() => vib.setPlainWeights(layer.getWeights()));
      return;
    }
    const copy = cloneLayer(layer);
    x = copy.apply(x) as tfl.SymbolicTensor;
    copies.push(() => copy.setWeights(layer.getWeights()));
    if (className === 'Dense' && options.denseBottleneck && index !== lastDense) {
      x = new VIBLayer({ name: `${layer.name}_vib`, ...gates }).apply(x) as tfl.SymbolicTensor;
    }
  });
  const result = tfl.model({ inputs: input, outputs: x, name: `${model.name}_vib` });
  tf.tidy(() => copies.forEach((copy) => copy()));
  return result;
}
