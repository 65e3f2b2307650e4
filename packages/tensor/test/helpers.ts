import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { coreShapes, type TensorizedShape } from '../src/index.js';

/** Random cores with a fixed seed (caller disposes). */
export function randomCores(shape: TensorizedShape, seed = 1, stddev = 1): tf.Tensor4D[] {
  return coreShapes(shape).map((s, k) => tf.randomNormal(s as [number, number, number, number], 0, stddev, 'float32', seed * 31 + k));
}

/** The row-major multi-index of `index` in a tensor of shape `radix`. */
export function digits(index: number, radix: readonly number[]): number[] {
  const out = new Array<number>(radix.length);
  for (let k = radix.length - 1; k >= 0; k--) {
    out[k] = index % radix[k];
    index = Math.floor(index / radix[k]);
  }
  return out;
}

/** W[i, j] = trace(prod_k G_k[:, i_k, j_k, :]) straight from the definition, in float64. */
export function naiveMatrix(cores: tf.Tensor[], shape: TensorizedShape): number[][] {
  const { inShape: m, outShape: n, ranks: r } = shape;
  const d = m.length;
  const values = cores.map((c) => c.arraySync() as number[][][][]);
  const rows = m.reduce((a, b) => a * b, 1);
  const cols = n.reduce((a, b) => a * b, 1);
  const result: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const ii = digits(i, m);
    const row: number[] = [];
    for (let j = 0; j < cols; j++) {
      const jj = digits(j, n);
      // Start from the identity so the trace also covers r_0 = 1.
      let acc: number[][] = Array.from({ length: r[0] }, (_, a) => Array.from({ length: r[0] }, (_, b) => (a === b ? 1 : 0)));
      for (let k = 0; k < d; k++) {
        const g = values[k];
        acc = acc.map((accRow) =>
          Array.from({ length: r[k + 1] }, (_, c) => accRow.reduce((s, v, b) => s + v * g[b][ii[k]][jj[k]][c], 0)),
        );
      }
      let trace = 0;
      for (let a = 0; a < r[0]; a++) trace += acc[a][a];
      row.push(trace);
    }
    result.push(row);
  }
  return result;
}

export function relativeError(approx: tf.Tensor, exact: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(approx, exact)).dataSync()[0] / tf.norm(exact).dataSync()[0]);
}

/** The model saved to memory and loaded back with plain `tfl.loadLayersModel`. */
export async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}
