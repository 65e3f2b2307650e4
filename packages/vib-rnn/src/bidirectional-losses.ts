import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const PATCHED = Symbol.for('@tfjs-compress/vib-rnn/bidirectional-losses');

interface BidirectionalLike {
  forwardLayer?: { calculateLosses(): tf.Scalar[] };
  backwardLayer?: { calculateLosses(): tf.Scalar[] };
  losses: Array<() => tf.Scalar>;
}

/**
 * tfjs-layers 4.22's Bidirectional reports the losses of the layer it was
 * given, a template it never builds, instead of its two directions'. Inside
 * `tf.layers.bidirectional` a VIB layer's KL terms therefore never reach the
 * training loss: `model.calculateLosses()` returns nothing for them. This makes Bidirectional's `calculateLosses` add
 * the forward and backward layers' losses to its own. Applied once when this
 * package loads; idempotent.
 */
export function patchBidirectionalLosses(): void {
  const bidirectional = tfl.layers.bidirectional({ layer: tfl.layers.simpleRNN({ units: 1 }) }) as unknown as object;
  const proto = Object.getPrototypeOf(bidirectional) as Record<string | symbol, unknown>;
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  proto.calculateLosses = function calculateLosses(this: BidirectionalLike): tf.Scalar[] {
    return [
      ...this.losses.map((loss) => loss()),
      ...(this.forwardLayer?.calculateLosses() ?? []),
      ...(this.backwardLayer?.calculateLosses() ?? []),
    ];
  };
}
