import * as tf from '@tensorflow/tfjs-core';

/** Guards the divisions and logs of the VIB formulas, as in the reference. */
export const VIB_EPSILON = 1e-8;

/**
 * KL term of one VIB gate (Dai et al. 2018, eq. as in the reference code):
 * `0.5 * klMult * sum_k log(1 + mu_k^2 / (sigma_k^2 + 1e-8))`,
 * with `sigma_k^2 = exp(logD_k)`.
 */
export function vibKl(mu: tf.Tensor, logD: tf.Tensor, klMult = 1): tf.Scalar {
  return tf.tidy(() => {
    const ratio = tf.div(tf.square(mu), tf.add(tf.exp(logD), VIB_EPSILON));
    return tf.mul(0.5 * klMult, tf.sum(tf.log1p(ratio))) as tf.Scalar;
  });
}

/** `log alpha_k = logD_k - log(mu_k^2 + 1e-8)`: large means "noise dominates, prune". */
export function logAlphaOf(mu: tf.Tensor, logD: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(logD, tf.log(tf.add(tf.square(mu), VIB_EPSILON))));
}

/** 1 where a unit is kept (`log alpha < threshold`), else 0. */
export function maskOf(mu: tf.Tensor, logD: tf.Tensor, threshold = 0): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.less(logAlphaOf(mu, logD), threshold), 'float32'));
}
