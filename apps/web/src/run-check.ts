/**
 * Checks a run's models in this browser: loads <run>/compact and
 * <run>/quantized with plain `tf.loadLayersModel`, feeds them the test inputs
 * the Node `compress` command recorded (<run>/test-predictions.json) and
 * compares their probabilities with Node's. Any app's run folder works
 * (ucf11-e2e, ucf11-cnn-lstm): both write that file.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { TestPredictions } from '@tfjs-compress/app-kit';
import { argMaxRows, maxRowDifference, medianLatency, type Latency } from './measure.js';

export const TEST_PREDICTIONS = 'test-predictions.json';
/** Examples per `predict` call: bounds the page's memory on a large test set. */
const BATCH = 64;

export interface ModelCheck {
  /** Bytes of the weight files the model.json names, as fetched. */
  weightBytes: number;
  params: number;
  /** Right answers of the page's predictions, over `RunCheck.count`. */
  correct: number;
  /** Node's right answers, from its recorded probabilities. */
  nodeCorrect: number;
  /** Examples whose class the page and Node agree on. */
  sameClassAsNode: number;
  maxDifferenceFromNode: number;
  latency: Latency;
}

export interface RunCheck {
  run: string;
  backend: string;
  /** Why the page runs on that backend (`selectBackend`'s reason), when the page knows it. */
  backendReason?: string;
  nodeBackend: string;
  count: number;
  testClips: number;
  exampleShape: number[];
  compact: ModelCheck;
  quantized: (ModelCheck & { dtype: string; maxDifferenceFromCompact: number; sameClassAsCompact: number }) | null;
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

/** Sum of the weight files a model.json lists. */
async function weightFileBytes(modelUrl: string): Promise<number> {
  const json = (await (await fetchOk(modelUrl)).json()) as { weightsManifest: Array<{ paths: string[] }> };
  let bytes = 0;
  for (const group of json.weightsManifest) {
    for (const path of group.paths) bytes += (await (await fetchOk(new URL(path, modelUrl).href)).arrayBuffer()).byteLength;
  }
  return bytes;
}

function decodeFloat32(base64: string): Float32Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

async function predictAll(model: tfl.LayersModel, x: tf.Tensor): Promise<number[][]> {
  const rows: number[][] = [];
  for (let start = 0; start < x.shape[0]; start += BATCH) {
    const size = Math.min(BATCH, x.shape[0] - start);
    const y = tf.tidy(() => model.predict(tf.slice(x, start, size)) as tf.Tensor2D);
    rows.push(...((await y.array()) as number[][]));
    y.dispose();
  }
  return rows;
}

const countWhere = (values: number[], other: number[]) => values.filter((v, n) => v === other[n]).length;

async function checkModel(modelUrl: string, x: tf.Tensor, labels: number[], node: number[][], latencyRuns: number) {
  const model = await tfl.loadLayersModel(modelUrl);
  try {
    const probabilities = await predictAll(model, x);
    const predicted = argMaxRows(probabilities);
    const one = tf.slice(x, 0, 1);
    const latency = await medianLatency(model, one, latencyRuns);
    one.dispose();
    const check: ModelCheck = {
      weightBytes: await weightFileBytes(modelUrl),
      params: model.countParams(),
      correct: countWhere(predicted, labels),
      nodeCorrect: countWhere(argMaxRows(node), labels),
      sameClassAsNode: countWhere(predicted, argMaxRows(node)),
      maxDifferenceFromNode: maxRowDifference(probabilities, node),
      latency,
    };
    return { check, probabilities };
  } finally {
    model.dispose();
  }
}

/** `runUrl` ends with '/': the folder holding compact/, quantized/ and test-predictions.json. */
export async function checkRun(runUrl: string, latencyRuns = 30): Promise<RunCheck> {
  const recorded = (await (await fetchOk(new URL(TEST_PREDICTIONS, runUrl).href)).json()) as TestPredictions;
  const values = decodeFloat32(recorded.inputsBase64);
  const x = tf.tensor(values, [recorded.count, ...recorded.exampleShape]);
  try {
    const compact = await checkModel(new URL('compact/model.json', runUrl).href, x, recorded.labels, recorded.compact, latencyRuns);
    let quantized: RunCheck['quantized'] = null;
    if (recorded.quantized) {
      const q = await checkModel(new URL('quantized/model.json', runUrl).href, x, recorded.labels, recorded.quantized.probabilities, latencyRuns);
      quantized = {
        ...q.check,
        dtype: recorded.quantized.dtype,
        maxDifferenceFromCompact: maxRowDifference(q.probabilities, compact.probabilities),
        sameClassAsCompact: countWhere(argMaxRows(q.probabilities), argMaxRows(compact.probabilities)),
      };
    }
    return {
      run: runUrl,
      backend: tf.getBackend(),
      nodeBackend: recorded.backend,
      count: recorded.count,
      testClips: recorded.testClips,
      exampleShape: recorded.exampleShape,
      compact: compact.check,
      quantized,
    };
  } finally {
    x.dispose();
  }
}
