import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export const HEIGHT = 8;
export const WIDTH = 10;

export async function makeTempDir(prefix = 'cnn-lstm-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A tiny "image classifier": conv -> global average pooling ('pool') -> dense softmax. */
export function tinyClassifier(inputShape: (number | null)[] = [HEIGHT, WIDTH, 3]): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape, name: 'image' });
  const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv', biasInitializer: 'glorotUniform' })
    .apply(input) as tfl.SymbolicTensor;
  const pool = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 5, activation: 'softmax', name: 'classifier' }).apply(pool) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits });
}

/**
 * Writes `model` as tensorflowjs_converter would: model.json plus the weight
 * bytes split into `shards` files, cut at byte offsets that do not respect
 * weight boundaries (as the converter's 4 MB shards do).
 */
export async function writeShardedLayersModel(model: tfl.LayersModel, dir: string, shards = 2): Promise<string[]> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const saved = artifacts!;
  const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData!));
  const paths: string[] = [];
  const cut = Math.ceil(bytes.length / shards) + 1;
  for (let i = 0; i < shards; i++) {
    const name = `group1-shard${i + 1}of${shards}.bin`;
    await writeFile(join(dir, name), bytes.subarray(i * cut, Math.min(bytes.length, (i + 1) * cut)));
    paths.push(name);
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'test',
    convertedBy: 'hand-written test fixture',
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths, weights: saved.weightSpecs }],
  };
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
  return paths;
}

export const GRAPH_H = 2;
export const GRAPH_W = 3;
export const GRAPH_IN = GRAPH_H * GRAPH_W * 3;
export const GRAPH_OUT = 5;

const float = { type: 'DT_FLOAT' };

/**
 * A hand-written TensorFlow graph in tfjs graph-model JSON: image Placeholder
 * [-1, 2, 3, 3] -> Reshape to [-1, 18] -> MatMul with a Const [18, 5] weight
 * -> Relu. Both Consts come from the weights manifest (one shard).
 */
export async function writeGraphModel(dir: string, weight: Float32Array): Promise<void> {
  const shape = new Int32Array([-1, GRAPH_IN]);
  const modelJson = {
    format: 'graph-model',
    generatedBy: '2.15.0',
    convertedBy: 'hand-written test fixture',
    modelTopology: {
      node: [
        {
          name: 'image', op: 'Placeholder',
          attr: {
            dtype: float,
            shape: { shape: { dim: [{ size: '-1' }, { size: String(GRAPH_H) }, { size: String(GRAPH_W) }, { size: '3' }] } },
          },
        },
        { name: 'flat_shape', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } } } },
        { name: 'kernel', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: String(GRAPH_IN) }, { size: String(GRAPH_OUT) }] } } } } },
        { name: 'flatten', op: 'Reshape', input: ['image', 'flat_shape'], attr: { T: float, Tshape: { type: 'DT_INT32' } } },
        { name: 'matmul', op: 'MatMul', input: ['flatten', 'kernel'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'features', op: 'Relu', input: ['matmul'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1286 },
    },
    weightsManifest: [{
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'flat_shape', shape: [2], dtype: 'int32' },
        { name: 'kernel', shape: [GRAPH_IN, GRAPH_OUT], dtype: 'float32' },
      ],
    }],
  };
  const bytes = new Uint8Array(shape.byteLength + weight.byteLength);
  bytes.set(new Uint8Array(shape.buffer), 0);
  bytes.set(new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength), shape.byteLength);
  await writeFile(join(dir, 'group1-shard1of1.bin'), bytes);
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function pseudoRandom(n: number, seed = 7): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
