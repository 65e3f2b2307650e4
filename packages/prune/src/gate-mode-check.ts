import * as tf from '@tensorflow/tfjs-core';
import { gatedLayers, type VIBGate } from '@tfjs-compress/vib';
import { maskOf } from '@tfjs-compress/vib/internal';
import { InvalidArgumentError } from '@tfjs-compress/common';

/** Factors within this of their hard mask count as the mask. */
const MODE_TOLERANCE = 1e-6;

/** How far a gate's inference factor is from its hard 0/1 mask (0 when it evaluates as the mask). */
function distanceFromHard(gate: VIBGate, threshold: number | undefined): number {
  if (gate.settings.frozenMask || gate.settings.inferenceMode === 'hard') return 0;
  return tf.tidy(() => {
    const mu = gate.mu.read();
    const mask = maskOf(mu, gate.logD.read(), threshold ?? gate.settings.threshold);
    const factor = gate.settings.inferenceMode === 'mean' ? mu : tf.mul(mask, mu);
    return tf.max(tf.abs(tf.sub(factor, mask))).dataSync()[0];
  });
}

/**
 * Refuses a model whose gates evaluate as something other than their hard
 * masks ('weighted': mask * mu, 'mean': mu): `compact` rebuilds the hard-mask
 * model, which would then predict differently from the model the user
 * evaluated. The error says how to get the model into the hard-mask state.
 */
export function assertGatesEvaluateHard(model: object, threshold?: number): void {
  for (const layer of gatedLayers(model)) {
    layer.vibGates.forEach((gate, k) => {
      const distance = distanceFromHard(gate, threshold);
      if (distance <= MODE_TOLERANCE) return;
      throw new InvalidArgumentError(
        'model',
        `layer '${layer.name}' gate ${k} in '${gate.settings.inferenceMode}' mode (up to ${distance.toPrecision(3)} from its 0/1 mask)`,
        'gates that evaluate as hard masks, or the compact model would predict differently from this one. ' +
          'Train with vibCallback (@tfjs-compress/train), which ends with the masks frozen and fine-tuned, ' +
          "or call setFrozenMask(model, true), set every gate's settings.inferenceMode to 'hard' and fine-tune a few epochs; " +
          'pass {allowSoftGates: true} to compact the hard-mask model regardless',
      );
    });
  }
}
