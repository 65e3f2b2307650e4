import * as tf from '@tensorflow/tfjs-core';
import { VIBRecurrentCell, type StepContext, type VIBRecurrentCellArgs } from './vib-recurrent-cell.js';

/** LSTM gate blocks in tfjs kernel order: input, forget, candidate (c in tfjs, g in the paper), output. */
export const LSTM_GATES = ['i', 'f', 'g', 'o'] as const;

export type VIBLSTMCellArgs = VIBRecurrentCellArgs;

/**
 * One LSTM step with a VIB gate after each nonlinearity, as in the paper:
 *   c_t = (z_f f) c_{t-1} + (z_i i)(z_g g),   h_t = (z_o o) act(c_t).
 * With every gate factor 1 this is exactly tfjs's LSTMCell.
 */
export class VIBLSTMCell extends VIBRecurrentCell {
  static className = 'VIBLSTMCell';
  readonly gateNames = LSTM_GATES;
  readonly recurrentKind = 'lstm';
  readonly stateSize: number[];

  constructor(args: VIBLSTMCellArgs) {
    super(args, LSTM_GATES);
    this.stateSize = [this.units, this.units];
  }

  stepProjected(xp: tf.Tensor2D, states: tf.Tensor2D[], context: StepContext): tf.Tensor2D[] {
    return tf.tidy(() => {
      const [hPrev, cPrev] = states;
      const recurrent = this.recurrentBlocks(hPrev, context, [0, 1, 2, 3]);
      const inputs = tf.split(xp, 4, 1);
      const preactivation = (g: number) => tf.add(inputs[g], recurrent[g]);
      const gated = (g: number, value: tf.Tensor) => {
        const factor = context.gateFactors[g];
        return factor ? tf.mul(value, factor) : value;
      };
      const i = gated(0, this.recurrentActivationFn(preactivation(0)));
      const f = gated(1, this.recurrentActivationFn(preactivation(1)));
      const g = gated(2, this.activationFn(preactivation(2)));
      const o = gated(3, this.recurrentActivationFn(preactivation(3)));
      const c = tf.add(tf.mul(f, cPrev), tf.mul(i, g)) as tf.Tensor2D;
      const h = tf.mul(o, this.activationFn(c)) as tf.Tensor2D;
      return [h, h, c];
    });
  }

  /** A unit whose input, candidate or output mask is 0 never leaves h = 0 (c_0 = 0); the forget mask does not decide. */
  protected unitRemoved(masks: Record<string, Float32Array | null>, k: number): boolean {
    return ['i', 'g', 'o'].some((name) => masks[name] != null && masks[name]![k] === 0);
  }
}
tf.serialization.registerClass(VIBLSTMCell);
