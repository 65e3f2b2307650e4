/**
 * "Load a compact model": what a user's site does with a compact model, with
 * plain tfjs only. `tf.loadLayersModel` reads the model.json + weights.bin
 * the build shipped, the page feeds it the kept input features of the
 * shipped sequences, and compares its probabilities with Node's.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SEQUENCES_FILE, SHIPPED_DIR, UINT8_DIR, type ShippedSequences } from './shipped.js';
import { argMaxRows, formatBytes, maxRowDifference, medianLatency, percent, type Latency } from './measure.js';

/** Rows shown in the per-sample table. */
const SHOWN = 8;
export const LATENCY_RUNS = 30;

export interface LoadResult {
  sequences: number;
  keptInputs: number[];
  accuracy: number;
  /** The page's argmax per sequence, and Node's. */
  predicted: number[];
  nodePredicted: number[];
  labels: number[];
  /** The page's probabilities, [n][classes]. */
  probabilities: number[][];
  maxDifferenceFromNode: number;
  weightBytes: number;
  params: number;
  latency: Latency;
  /** The uint8 copy, loaded by plain tfjs too: its accuracy, bytes, probabilities and distance to the float model's. */
  uint8: { accuracy: number; weightBytes: number; probabilities: number[][]; maxDifferenceFromFloat: number; sameClass: number };
}

export interface Loaded {
  result: LoadResult;
  model: tfl.LayersModel;
  /** The kept features of the shipped sequences, [n, steps, kept]: the model's input. */
  input: tf.Tensor3D;
}

function url(file: string): string {
  return new URL(`${SHIPPED_DIR}/${file}`, document.baseURI).href;
}

export async function runLoadPanel(panel: HTMLElement): Promise<Loaded> {
  const status = panel.querySelector<HTMLElement>('.status')!;
  status.textContent = 'Loading the shipped model…';
  const response = await fetch(url(SEQUENCES_FILE));
  if (!response.ok) throw new Error(`${SEQUENCES_FILE}: HTTP ${response.status} (run the app's build first)`);
  const shipped = (await response.json()) as ShippedSequences;
  const weightsResponse = await fetch(url('weights.bin'));
  const weightBytes = (await weightsResponse.arrayBuffer()).byteLength;
  const model = await tfl.loadLayersModel(url('model.json'));

  const input = tf.tidy(() => tf.gather(tf.tensor3d(shipped.sequences), shipped.keptInputs, 2) as tf.Tensor3D);
  const probabilities = tf.tidy(() => model.predict(input) as tf.Tensor2D).arraySync();
  const predicted = argMaxRows(probabilities);
  const nodePredicted = argMaxRows(shipped.nodeProbabilities);
  const correct = predicted.filter((p, n) => p === shipped.labels[n]).length;
  const maxDifferenceFromNode = maxRowDifference(probabilities, shipped.nodeProbabilities);
  const uint8Model = await tfl.loadLayersModel(url(`${UINT8_DIR}/model.json`));
  const uint8Bytes = (await (await fetch(url(`${UINT8_DIR}/weights.bin`))).arrayBuffer()).byteLength;
  const uint8Probabilities = tf.tidy(() => uint8Model.predict(input) as tf.Tensor2D).arraySync();
  uint8Model.dispose();
  const uint8Predicted = argMaxRows(uint8Probabilities);
  const maxDifferenceFromFloat = maxRowDifference(uint8Probabilities, probabilities);
  const uint8 = {
    accuracy: uint8Predicted.filter((p, n) => p === shipped.labels[n]).length / shipped.sequences.length,
    weightBytes: uint8Bytes,
    probabilities: uint8Probabilities,
    maxDifferenceFromFloat,
    sameClass: uint8Predicted.filter((p, n) => p === predicted[n]).length,
  };
  status.textContent = `Timing ${LATENCY_RUNS} predictions…`;
  const latency = await medianLatency(model, input, LATENCY_RUNS);
  const result: LoadResult = {
    sequences: shipped.sequences.length,
    keptInputs: shipped.keptInputs,
    accuracy: correct / shipped.sequences.length,
    predicted,
    nodePredicted,
    labels: shipped.labels,
    probabilities,
    maxDifferenceFromNode,
    weightBytes,
    params: model.countParams(),
    latency,
    uint8,
  };
  render(panel, shipped, result);
  return { result, model, input };
}

function render(panel: HTMLElement, shipped: ShippedSequences, r: LoadResult): void {
  const agree = r.predicted.filter((p, n) => p === r.nodePredicted[n]).length;
  panel.querySelector<HTMLElement>('.status')!.textContent = '';
  panel.querySelector<HTMLElement>('.summary')!.innerHTML = `
    <dl class="facts">
      <div><dt>model</dt><dd><code>tf.loadLayersModel('${SHIPPED_DIR}/model.json')</code>: ${r.params.toLocaleString('en')} parameters, weights.bin ${formatBytes(r.weightBytes)}</dd></div>
      <div><dt>reads</dt><dd>input features [${r.keptInputs.join(', ')}] of ${shipped.features} (the label is on [${shipped.informative.join(', ')}])</dd></div>
      <div><dt>accuracy</dt><dd data-k="shipped-accuracy">${percent(r.accuracy)} on ${r.sequences} shipped test sequences</dd></div>
      <div><dt>same as Node</dt><dd>${agree}/${r.sequences} predicted classes; probabilities within ${r.maxDifferenceFromNode.toExponential(1)}</dd></div>
      <div><dt>uint8 copy</dt><dd data-k="shipped-uint8"><code>${SHIPPED_DIR}/${UINT8_DIR}/model.json</code>, weights.bin ${formatBytes(r.uint8.weightBytes)}: ${percent(r.uint8.accuracy)}; ${r.uint8.sameClass}/${r.sequences} classes as the float model, probabilities within ${r.uint8.maxDifferenceFromFloat.toExponential(1)}</dd></div>
      <div><dt>latency</dt><dd data-k="shipped-latency">${r.latency.medianMs.toFixed(2)} ms median of ${r.latency.runs} <code>predict</code> calls on a batch of ${r.latency.batch}</dd></div>
    </dl>
    <p class="note">Trained in Node at build time (${shipped.training.samples} sequences, ${shipped.training.epochs} epochs, ${shipped.training.units} LSTM units, seed ${shipped.training.seed}; ${percent(shipped.training.testAccuracy)} on the run's test set), compacted, saved as a plain tfjs model.</p>`;
  const rows = r.labels.slice(0, SHOWN).map((label, n) => {
    const p = r.predicted[n];
    const cls = p === label ? 'ok' : 'wrong';
    return `<tr class="${cls}"><td>${n + 1}</td><td>${label}</td><td>${p}</td><td>${r.probabilities[n][p].toFixed(4)}</td><td>${shipped.nodeProbabilities[n][p].toFixed(4)}</td></tr>`;
  });
  panel.querySelector<HTMLElement>('.samples')!.innerHTML = `
    <table>
      <caption>First ${SHOWN} sequences</caption>
      <thead><tr><th>#</th><th>label</th><th>predicted</th><th>p (page)</th><th>p (Node)</th></tr></thead>
      <tbody>${rows.join('')}</tbody>
    </table>`;
}
