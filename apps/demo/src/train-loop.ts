import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VIBTrainer, gatedLayers, setKlFac, type VIBTrainerArgs } from '@tfjs-compress/vib';
import type { VIBRecurrentLayer } from '@tfjs-compress/vib-rnn';

export interface EpochRecord {
  phase: 'vib' | 'fine-tune';
  epoch: number;
  klFac: number | null;
  loss: number;
  trainAccuracy: number;
  keptInputs: number;
  keptUnits: number;
  seconds: number;
}

export interface TrainOptions extends VIBTrainerArgs {
  epochs: number;
  batchSize: number;
  seed: number;
  /** klFac per epoch (1-based), e.g. a warm-up; the layers' own klFac when omitted. */
  klFacAt?: (epoch: number) => number;
  /** Label of the records; 'fine-tune' for the frozen-mask stage. Default: 'vib'. */
  phase?: EpochRecord['phase'];
  onEpoch?: (record: EpochRecord) => void;
}

/** Accuracy of a model's argmax against int labels, in batches. */
export function accuracy(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor1D, batchSize = 256): number {
  let correct = 0;
  for (let start = 0; start < x.shape[0]; start += batchSize) {
    const size = Math.min(batchSize, x.shape[0] - start);
    correct += tf.tidy(() => {
      const xb = tf.slice(x, start, size);
      const predicted = tf.argMax(model.predict(xb) as tf.Tensor, -1);
      return tf.sum(tf.cast(tf.equal(predicted, tf.slice(y, start, size)), 'int32')).dataSync()[0];
    });
  }
  return correct / x.shape[0];
}

export function recurrentLayer(model: tfl.LayersModel): VIBRecurrentLayer {
  const layer = gatedLayers(model).find((l) => 'prunableUnits' in l);
  if (layer == null) throw new Error('the model has no VIB recurrent layer');
  return layer as unknown as VIBRecurrentLayer;
}

/** Mini-batch training with the two-learning-rate VIB trainer; seeded shuffling. */
export function train(model: tfl.LayersModel, x: tf.Tensor3D, y: tf.Tensor1D, options: TrainOptions): EpochRecord[] {
  const trainer = new VIBTrainer(model, options);
  const history: EpochRecord[] = [];
  const count = x.shape[0];
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = performance.now();
    if (options.klFacAt) setKlFac(model, options.klFacAt(epoch));
    const order = tf.tidy(() =>
      tf.topk(tf.randomUniform([count], 0, 1, 'float32', options.seed * 1000 + epoch), count).indices.dataSync(),
    );
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < count; start += options.batchSize) {
      const indices = tf.tensor1d(Array.from(order.slice(start, start + options.batchSize)), 'int32');
      const xb = tf.gather(x, indices);
      const yb = tf.gather(y, indices);
      lossSum += trainer.trainOnBatch(xb, yb);
      batches++;
      tf.dispose([indices, xb, yb]);
    }
    const { inputs, units } = recurrentLayer(model).prunableUnits();
    const record: EpochRecord = {
      phase: options.phase ?? 'vib',
      epoch,
      klFac: options.klFacAt ? options.klFacAt(epoch) : null,
      loss: lossSum / batches,
      trainAccuracy: accuracy(model, x, y),
      keptInputs: inputs.kept.length,
      keptUnits: units.kept.length,
      seconds: (performance.now() - started) / 1000,
    };
    history.push(record);
    options.onEpoch?.(record);
  }
  trainer.dispose();
  return history;
}
