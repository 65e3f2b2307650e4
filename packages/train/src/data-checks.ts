import * as tf from '@tensorflow/tfjs-core';
import { type LabelledData } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';

/** The first sample (index along axis 0) for which `bad` [samples, ...] holds anything, or -1. */
function firstFlagged(bad: tf.Tensor): number {
  return tf.tidy(() => {
    const perSample = bad.rank > 1 ? tf.any(bad, [...Array(bad.rank).keys()].slice(1)) : bad;
    const flags = perSample.dataSync();
    return flags.findIndex((f) => f !== 0);
  });
}

/**
 * Checks data before a fit, naming the first bad sample: inputs must be
 * finite (one NaN would make every later weight NaN), integer labels whole
 * numbers in [0, classes), one-hot labels finite. `name` is the option the
 * data came in (`data`, `validation`).
 */
export function assertLabelledData(data: LabelledData, classes: number, name: string): void {
  const badInput = tf.tidy(() => firstFlagged(tf.logicalNot(tf.isFinite(data.x))));
  if (badInput >= 0) throw new InvalidArgumentError(`${name}.x`, `NaN or Inf in sample ${badInput}`, 'finite inputs');
  if (data.y.rank === 1) {
    const labels = data.y.dataSync();
    const index = labels.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes);
    if (index >= 0) throw new InvalidArgumentError(`${name}.y`, `${labels[index]} at sample ${index}`, `integer labels in [0, ${classes})`);
    return;
  }
  const badLabel = tf.tidy(() => firstFlagged(tf.logicalNot(tf.isFinite(tf.cast(data.y, 'float32')))));
  if (badLabel >= 0) throw new InvalidArgumentError(`${name}.y`, `NaN or Inf in sample ${badLabel}`, 'finite one-hot labels');
}
