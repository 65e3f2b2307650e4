import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@tfjs-compress/common';

/** The file name tfjs (and tensorflowjs_converter) give a model's topology. */
export const MODEL_JSON_FILE = 'model.json';

/** The two tfjs model formats a model.json can hold. */
export const MODEL_KINDS = ['layers-model', 'graph-model'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/**
 * `source` as the path of a model.json: a folder means the model.json inside
 * it. Throws InvalidArgumentError('source', ...) when neither exists.
 */
export async function resolveModelJsonPath(source: string): Promise<string> {
  if (typeof source !== 'string' || source.length === 0) {
    throw new InvalidArgumentError('source', source, 'a model folder, a model.json path or an http(s) URL');
  }
  const path = resolve(source);
  const info = await stat(path).catch(() => null);
  if (info == null) {
    throw new InvalidArgumentError('source', source, 'an existing model folder or model.json file (nothing is there)');
  }
  if (!info.isDirectory()) return path;
  const inside = join(path, MODEL_JSON_FILE);
  const inner = await stat(inside).catch(() => null);
  if (inner == null || !inner.isFile()) {
    throw new InvalidArgumentError('source', source, `a folder that contains ${MODEL_JSON_FILE} (it has none)`);
  }
  return inside;
}

/** Parses a model.json text, naming `source` if it is not a JSON object with a weightsManifest. */
export function parseModelJson(text: string, source: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('source', source, 'a model.json that holds valid JSON');
  }
  if (json == null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidArgumentError('source', source, 'a model.json that holds a JSON object');
  }
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest;
  if (manifest != null && !Array.isArray(manifest)) {
    throw new InvalidArgumentError('source', source, 'a model.json whose weightsManifest is an array');
  }
  return json as tf.io.ModelJSON;
}

/**
 * Which tfjs model a model.json describes, from its `format` or, for files
 * written before `format` existed, from the shape of `modelTopology`: Keras
 * topologies have `class_name`/`config.layers` (or a `model_config` wrapper),
 * TensorFlow graphs have a `node` list. Null when it is neither.
 */
export function modelKindOf(json: tf.io.ModelJSON): ModelKind | null {
  if (json.format === 'layers-model') return 'layers-model';
  if (json.format === 'graph-model') return 'graph-model';
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (topology == null || typeof topology !== 'object') return null;
  const keras = (topology.model_config ?? topology) as Record<string, unknown>;
  const config = keras.config as Record<string, unknown> | undefined;
  if (typeof keras.class_name === 'string' || (config != null && Array.isArray(config.layers))) return 'layers-model';
  if (Array.isArray(topology.node)) return 'graph-model';
  return null;
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4, int32: 4, bool: 1, complex64: 8, float16: 2, uint8: 1, uint16: 2,
};

/** Bytes the manifest's weights should occupy, or null if a size is data-dependent (strings). */
export function expectedWeightBytes(manifest: tf.io.WeightsManifestConfig): number | null {
  let total = 0;
  for (const group of manifest) {
    for (const spec of group.weights) {
      const dtype = spec.quantization?.dtype ?? spec.dtype;
      const bytes = BYTES_PER_ELEMENT[dtype];
      if (bytes == null) return null;
      total += spec.shape.reduce((a, b) => a * b, 1) * bytes;
    }
  }
  return total;
}

/**
 * A loading tf.io.IOHandler for a model.json on disk and the weight shards its
 * `weightsManifest[].paths` list (relative to the model.json), concatenated in
 * manifest order, as tensorflowjs_converter writes them (group1-shard1of4.bin,
 * ...). Works for layers and graph models with `tfl.loadLayersModel` /
 * `loadGraphModel`, without tfjs-node. `source` is a folder or a model.json path.
 */
export function fileModelHandler(source: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJsonPath = await resolveModelJsonPath(source);
      const json = parseModelJson(await readFile(modelJsonPath, 'utf8'), source);
      return tf.io.getModelArtifactsForJSON(json, (manifest) => readShards(manifest, dirname(modelJsonPath), source));
    },
  };
}

async function readShards(manifest: tf.io.WeightsManifestConfig, dir: string, source: string)
  : Promise<[tf.io.WeightsManifestEntry[], tf.io.WeightData]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  let total = 0;
  for (const group of manifest) {
    specs.push(...group.weights);
    for (const shard of group.paths) {
      const bytes = await readFile(join(dir, shard)).catch(() => {
        throw new InvalidArgumentError('source', source,
          `a model whose weight shard '${shard}' (listed in weightsManifest) exists next to model.json`);
      });
      total += bytes.byteLength;
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  const expected = expectedWeightBytes(manifest);
  if (expected != null && expected !== total) {
    throw new InvalidArgumentError('source', source,
      `weight shards totalling ${expected} bytes as weightsManifest describes (found ${total}: a shard is missing or truncated)`);
  }
  // tfjs splits the concatenation back into tensors by the specs' sizes.
  return [specs, buffers];
}
