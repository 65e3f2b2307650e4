import * as tf from '@tensorflow/tfjs-core';
import { VIBRecurrentCell, type StepContext, type VIBRecurrentCellArgs } from './vib-recurrent-cell.js';

/** GRU gate blocks in tfjs kernel order: update (z), reset (r), candidate (h). */
export const GRU_GATES = ['z', 'r', 'h'] as const;

export type VIBGRUCellArgs = VIBRecurrentCellArgs;

/**
 * One GRU step in tfjs's convention (reset applied before the recurrent
 * matmul), with a VIB gate on the update, reset and candidate activations:
 *   z = (m_z) recAct(x_z + h U_z),  r = (m_r) recAct(x_r + h U_r),
 *   hh = (m_h) act(x_h + (r h) U_h),  h_t = z h_{t-1} + (1 - z) hh.
 * With every gate factor 1 this is exactly tfjs's GRUCell.
 */
export class VIBGRUCell extends VIBRecurrentCell {
  static className = 'VIBGRUCell';
  readonly gateNames = GRU_GATES;
  readonly recurrentKind = 'gru';
  readonly stateSize: number;

  constructor(args: VIBGRUCellArgs) {
    super(args, GRU_GATES);
    this.stateSize = this.units;
  }

  /** Update and reset read h together; the candidate reads r * h. */
  protected override recurrentGroups(): number[][] {
    return [[0, 1], [2]];
  }

  stepProjected(xp: tf.Tensor2D, states: tf.Tensor2D[], context: StepContext): tf.Tensor2D[] {
    return tf.tidy(() => {
      const [hPrev] = states;
      const [xz, xr, xh] = tf.split(xp, 3, 1);
      const [uz, ur] = this.recurrentBlocks(hPrev, context, [0, 1]);
      const gated = (g: number, value: tf.Tensor) => {
        const factor = context.gateFactors[g];
        return factor ? tf.mul(value, factor) : value;
      };
      const z = gated(0, this.recurrentActivationFn(tf.add(xz, uz)));
      const r = gated(1, this.recurrentActivationFn(tf.add(xr, ur)));
      const [uh] = this.recurrentBlocks(tf.mul(r, hPrev) as tf.Tensor2D, context, [2]);
      const hh = gated(2, this.activationFn(tf.add(xh, uh)));
      const h = tf.add(tf.mul(z, hPrev), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D;
      return [h, h];
    });
  }

  /**
   * A unit whose candidate mask is 0 is removable: with h_0 = 0,
   * h_t = z h_{t-1} + (1 - z) * 0 stays 0 (derivation in the README).
   */
  protected unitRemoved(masks: Record<string, Float32Array | null>, k: number): boolean {
    return masks.h != null && masks.h[k] === 0;
  }
}
tf.serialization.registerClass(VIBGRUCell);
