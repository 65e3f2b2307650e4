import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfc from '@tensorflow/tfjs-converter';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { DEFAULT_NORMALIZATION, type Normalization } from '@tfjs-compress/video';
import {
  assertFrameBatch,
  normalizationId,
  type FrameFeatureExtractor,
} from './frame-feature-extractor.js';
import {
  MODEL_JSON_FILE,
  fileModelHandler,
  modelKindOf,
  parseModelJson,
  resolveModelJsonPath,
  type ModelKind,
} from './file-model-handler.js';

export interface LoadFeatureExtractorOptions {
  /**
   * Where the tfjs model is: a local folder holding model.json, a model.json
   * path, or an http(s) URL of a model.json (a URL ending in '/' gets
   * 'model.json' appended). Layers and graph models are both accepted.
   */
  source: string;
  /**
   * Where to read the features: a layer name for a layers model (e.g.
   * 'avg_pool'), a node name for a graph model (e.g.
   * 'StatefulPartitionedCall/model/avg_pool/Mean'). Anything beyond [N, D] is
   * flattened. Default: the model's own (single) output.
   */
  output?: string;
  /**
   * Frame size the model is fed, as [height, width] or one number for a square.
   * Default: the model's input shape; required when that leaves height/width
   * open, and must agree with it when it does not.
   */
  inputSize?: number | readonly [number, number];
  /** How frames are normalised before `extract`. Default: 'imagenet' (DEFAULT_NORMALIZATION). */
  normalization?: Normalization;
}

/** How many names an "unknown layer/node" error lists before eliding. */
export const MAX_LISTED_NAMES = 40;

/**
 * Loads a tfjs layers or graph model (as tensorflowjs_converter writes it) and
 * wraps it as a FrameFeatureExtractor reading `output`. Its id hashes the
 * topology and weights, so a changed model never reuses cached features.
 */
export async function loadFeatureExtractor(options: LoadFeatureExtractorOptions): Promise<FrameFeatureExtractor> {
  if (options == null || typeof options !== 'object') {
    throw new InvalidArgumentError('options', options, '{ source, output?, inputSize?, normalization? }');
  }
  const { source, output } = options;
  const normalization = options.normalization ?? DEFAULT_NORMALIZATION;
  const normId = normalizationId(normalization);
  if (output !== undefined && (typeof output !== 'string' || output.length === 0)) {
    throw new InvalidArgumentError('output', output, 'a layer or node name (a non-empty string)');
  }
  const requestedSize = parseInputSize(options.inputSize);

  const url = isHttpUrl(source) ? (source.endsWith('/') ? `${source}${MODEL_JSON_FILE}` : source) : null;
  const json = url != null ? await fetchModelJson(url) : await readModelJson(source);
  const kind = modelKindOf(json);
  if (kind == null) {
    throw new InvalidArgumentError('source', source,
      "a model.json with format 'layers-model' or 'graph-model' (or a Keras modelTopology / a TensorFlow graph node list)");
  }
  const handler = url != null ? tf.io.http(url) : fileModelHandler(source);
  const artifacts = await handler.load!();
  const digest = digestOf(artifacts);
  const fromMemory: tf.io.IOHandler = { load: async () => artifacts };

  const extractor = kind === 'layers-model'
    ? layersExtractor(await tfl.loadLayersModel(fromMemory), output)
    : graphExtractor(await tfc.loadGraphModel(fromMemory), output, graphNodeNames(json));
  try {
    const [inputHeight, inputWidth] = resolveInputSize(extractor.inputShape, requestedSize, source);
    const featureSize = probeFeatureSize(extractor.run, inputHeight, inputWidth, output);
    const id = `${kind}:sha256=${digest}:output=${output ?? 'default'}:size=${inputWidth}x${inputHeight}:norm=${normId}`;
    return new ModelFeatureExtractor(id, kind, featureSize, inputHeight, inputWidth, normalization, extractor);
  } catch (error) {
    extractor.dispose();
    throw error;
  }
}

/** What the two model kinds have in common once `output` is chosen. */
interface RunnableModel {
  /** The model's input shape, [N, H, W, C] with null/-1 for open dims, if known. */
  inputShape: readonly (number | null)[] | undefined;
  /** Runs the model on [N, H, W, 3] and returns the chosen output (not yet flattened). */
  run(frames: tf.Tensor4D): tf.Tensor;
  dispose(): void;
}

class ModelFeatureExtractor implements FrameFeatureExtractor {
  constructor(
    readonly id: string,
    /** Which tfjs format the model was in. */
    readonly kind: ModelKind,
    readonly featureSize: number,
    readonly inputHeight: number,
    readonly inputWidth: number,
    readonly normalization: Normalization,
    private readonly model: RunnableModel,
  ) {}

  extract(frames: tf.Tensor4D): tf.Tensor2D {
    assertFrameBatch(this, frames);
    const n = frames.shape[0];
    if (n === 0) return tf.zeros([0, this.featureSize]);
    return tf.tidy(() => tf.reshape(this.model.run(frames), [n, this.featureSize]) as tf.Tensor2D);
  }

  dispose(): void {
    this.model.dispose();
  }
}

function layersExtractor(model: tfl.LayersModel, output: string | undefined): RunnableModel {
  let featureModel = model;
  try {
    if (model.inputs.length !== 1) {
      throw new InvalidArgumentError('source', model.name, `a model with one image input (it has ${model.inputs.length})`);
    }
    if (output !== undefined) {
      const names = model.layers.map((layer) => layer.name);
      if (!names.includes(output)) {
        throw new InvalidArgumentError('output', output, `a layer name of this model, one of: ${listNames(names)}`);
      }
      const tensor = model.getLayer(output).output;
      if (Array.isArray(tensor)) {
        throw new InvalidArgumentError('output', output, `a layer with a single output (it has ${tensor.length})`);
      }
      featureModel = tfl.model({ inputs: model.inputs, outputs: tensor });
    } else if (model.outputs.length !== 1) {
      throw new InvalidArgumentError('output', output,
        `the name of the layer to read, since the model has ${model.outputs.length} outputs: ${listNames(model.outputNames)}`);
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    inputShape: model.inputs[0].shape,
    run: (frames) => featureModel.predict(frames, { batchSize: frames.shape[0] }) as tf.Tensor,
    // The sub-model shares the base model's layers; disposing the base frees them.
    dispose: () => model.dispose(),
  };
}

function graphExtractor(model: tfc.GraphModel, output: string | undefined, nodeNames: string[]): RunnableModel {
  try {
    if (model.inputs.length !== 1) {
      throw new InvalidArgumentError('source', model.inputs.map((i) => i.name),
        `a graph with one image input (it has ${model.inputs.length})`);
    }
    if (output !== undefined) {
      if (!nodeNames.includes(output.replace(/:\d+$/, ''))) {
        throw new InvalidArgumentError('output', output, `a node name of this graph, one of: ${listNames(nodeNames)}`);
      }
    } else if (model.outputs.length !== 1) {
      throw new InvalidArgumentError('output', output,
        `the name of the node to read, since the graph has ${model.outputs.length} outputs: ${listNames(model.outputs.map((o) => o.name))}`);
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    inputShape: model.inputs[0].shape,
    run: (frames) => model.execute(frames, output) as tf.Tensor,
    dispose: () => model.dispose(),
  };
}

function graphNodeNames(json: tf.io.ModelJSON): string[] {
  const nodes = (json.modelTopology as { node?: { name?: unknown }[] } | undefined)?.node ?? [];
  return nodes.map((node) => node.name).filter((name): name is string => typeof name === 'string');
}

/** Runs one zero frame to learn the output's size (graph models rarely declare it). */
function probeFeatureSize(run: (frames: tf.Tensor4D) => tf.Tensor, height: number, width: number,
  output: string | undefined): number {
  return tf.tidy(() => {
    const y = run(tf.zeros([1, height, width, 3]));
    const size = y.shape.slice(1).reduce((a, b) => a * b, 1);
    if (y.shape[0] !== 1 || y.rank < 2 || !(size > 0) || y.dtype !== 'float32') {
      throw new InvalidArgumentError('output', output ?? 'default',
        `an output of shape [N, ...] float32 per frame (got ${y.dtype} [${y.shape.join(', ')}] for one frame)`);
    }
    return size;
  });
}

function parseInputSize(value: LoadFeatureExtractorOptions['inputSize']): [number, number] | null {
  if (value === undefined) return null;
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v > 0)) {
    throw new InvalidArgumentError('inputSize', value, 'a positive integer or [height, width] of positive integers');
  }
  return [pair[0], pair[1]];
}

function resolveInputSize(shape: readonly (number | null)[] | undefined, requested: [number, number] | null,
  source: string): [number, number] {
  const dim = (i: number): number | null => {
    const v = shape?.[i];
    return typeof v === 'number' && v > 0 ? v : null;
  };
  if (shape != null && (shape.length !== 4 || (dim(3) != null && dim(3) !== 3))) {
    throw new InvalidArgumentError('source', source,
      `a model with an image input [N, height, width, 3] (its input shape is [${shape.join(', ')}])`);
  }
  const fixed = dim(1) != null && dim(2) != null ? [dim(1)!, dim(2)!] as [number, number] : null;
  if (requested != null) {
    if (fixed != null && (fixed[0] !== requested[0] || fixed[1] !== requested[1])) {
      throw new InvalidArgumentError('inputSize', requested, `[${fixed.join(', ')}], the model's fixed [height, width]`);
    }
    return requested;
  }
  if (fixed == null) {
    throw new InvalidArgumentError('inputSize', undefined,
      `[height, width], because the model's input shape [${shape?.join(', ') ?? 'unknown'}] leaves them open`);
  }
  return fixed;
}

function isHttpUrl(source: unknown): source is string {
  return typeof source === 'string' && /^https?:\/\//i.test(source);
}

async function readModelJson(source: string): Promise<tf.io.ModelJSON> {
  const path = await resolveModelJsonPath(source);
  return parseModelJson(await readFile(path, 'utf8'), source);
}

async function fetchModelJson(url: string): Promise<tf.io.ModelJSON> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new InvalidArgumentError('source', url, `a reachable model.json URL (${(error as Error).message})`);
  }
  if (!response.ok) {
    throw new InvalidArgumentError('source', url, `a reachable model.json URL (HTTP ${response.status})`);
  }
  return parseModelJson(await response.text(), url);
}

/** First 16 hex digits of the SHA-256 of topology, weight specs and weight bytes. */
function digestOf(artifacts: tf.io.ModelArtifacts): string {
  const hash = createHash('sha256');
  const topology = artifacts.modelTopology;
  hash.update(topology instanceof ArrayBuffer ? new Uint8Array(topology) : JSON.stringify(topology ?? null));
  hash.update(JSON.stringify(artifacts.weightSpecs ?? []));
  const data = artifacts.weightData;
  for (const buffer of data == null ? [] : Array.isArray(data) ? data : [data]) hash.update(new Uint8Array(buffer));
  return hash.digest('hex').slice(0, 16);
}

/** Up to MAX_LISTED_NAMES names, pooling layers first (the usual feature outputs). */
function listNames(names: readonly string[]): string {
  const pooled = names.filter((n) => /pool|mean/i.test(n));
  const ordered = [...pooled, ...names.filter((n) => !/pool|mean/i.test(n))];
  const shown = ordered.slice(0, MAX_LISTED_NAMES).map((n) => `'${n}'`).join(', ');
  return ordered.length > MAX_LISTED_NAMES ? `${shown} (and ${ordered.length - MAX_LISTED_NAMES} more)` : shown;
}
