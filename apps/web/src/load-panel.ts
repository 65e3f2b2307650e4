/**
 * "Load a compact model": what a user's site does with a compact model, with
 * plain tfjs only. `tf.loadLayersModel` reads the model.json + weights.bin
 * the build shipped, the page feeds it the kept input features of the
 * shipped sequences, and compares its probabilities with Node's.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SEQUENCES_FILE, SHIPPED_DIR, type ShippedSequences } from './shipped.js';
import { argMaxRows, formatBytes, medianLatency, percent, type Latency } from './measure.js';

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
  let maxDifferenceFromNode = 0;
  probabilities.forEach((row, n) => row.forEach((p, c) => (maxDifferenceFromNode = Math.max(maxDifferenceFromNode, Math.abs(p - shipped.nodeProbabilities[n][c])))));
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
