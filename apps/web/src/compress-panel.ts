/**
 * "Compress in your browser": the demo's VIB-LSTM trained on the demo's
 * sequence task in this page, the way a tfjs user trains: `model.compile`
 * with `vibOptimizer`, `model.fit` with `vibCallback`. Then `compact` and
 * `quantize`, and the uncompressed and compact model side by side.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildDemoModel } from '@tfjs-compress/demo/demo-model';
import { accuracy } from '@tfjs-compress/demo/evaluation';
import { DEFAULT_TASK, generateSequenceTask } from '@tfjs-compress/demo/sequence-task';
import { compact, quantize } from '@tfjs-compress/prune';
import { selectBackend, type BackendChoice } from '@tfjs-compress/runtime';
import { vibCallback, vibOptimizer, type ScheduleStage } from '@tfjs-compress/train';
import { LineChart, type Band } from './chart.js';
import { formatBytes, medianLatency, percent, weightBytes, type Latency } from './measure.js';

/**
 * A quarter of the Node demo's training sequences and 12 of its 30 epochs, so
 * that the run takes seconds in a page; the rest is the demo's (its LSTM
 * size, learning rates, accuracy budget). `shrink` is off: the VIB model
 * keeps its full size until `compact`, so the comparison below is against
 * the model as it was designed.
 */
export const PAGE_RUN = {
  seed: 1,
  samples: 1024,
  validationSamples: 256,
  testSamples: 512,
  epochs: 12,
  warmupEpochs: 3,
  fineTuneEpochs: 2,
  units: 32,
  batchSize: 64,
  lr: 1e-2,
  ibLr: 5e-2,
  klFac: 3e-3,
  latencyRuns: 30,
  latencyBatch: 32,
} as const;

export interface EpochPoint {
  epoch: number;
  stage: ScheduleStage;
  keptInputs: number;
  keptUnits: number;
  compression: number;
  hardValAccuracy: number | null;
}

export interface ModelFacts {
  params: number;
  weightBytes: number;
  latency: Latency;
  testAccuracy: number;
}

export interface CompressResult {
  /** The page's backend: latency is measured there. */
  backend: string;
  /** The backend the fit ran on. */
  trainingBackend: string;
  seconds: number;
  history: EpochPoint[];
  keptInputs: number[];
  keptUnits: number;
  vib: ModelFacts;
  compact: ModelFacts;
  /** Bytes of the compact model's weights as uint8 (`quantize`), and its test accuracy loaded back with `tf.loadLayersModel`. */
  compactUint8: { weightBytes: number; testAccuracy: number; float16Fallbacks: number };
}

/**
 * The fit runs on wasm when the page has it, whatever the page's backend: a
 * 7,700-parameter LSTM is too small to keep a GPU busy, and a GPU backend
 * spends a training step dispatching hundreds of tiny kernels and reading
 * the loss back. The models are then measured on the page's backend (tfjs
 * moves their weights there on first use).
 */
function trainingBackendFor(pageBackend: string): string {
  return tf.findBackendFactory('wasm') != null ? 'wasm' : pageBackend;
}

export async function runCompressPanel(panel: HTMLElement, backend: string): Promise<CompressResult> {
  const o = PAGE_RUN;
  const status = panel.querySelector<HTMLElement>('.status')!;
  const trainingBackend = trainingBackendFor(backend);
  if (trainingBackend !== tf.getBackend()) await selectBackend(trainingBackend as BackendChoice);
  const task = { ...DEFAULT_TASK, seed: o.seed };
  const train = generateSequenceTask({ ...task, samples: o.samples });
  const validation = generateSequenceTask({ ...task, samples: o.validationSamples, seed: o.seed + 104_729 });
  const test = generateSequenceTask({ ...task, samples: o.testSamples, seed: o.seed + 7919 });
  // Cast, not oneHot's dtype argument: tfjs-backend-wasm 4.22 ignores it and writes int32 bits into a float32 tensor.
  const trainY = tf.tidy(() => tf.cast(tf.oneHot(train.y, task.classes), 'float32'));

  const kept = new LineChart({
    title: 'Kept by the VIB gates, and validation accuracy (hard masks)',
    series: [
      { name: `input features (of ${task.features})`, color: '#1f77b4' },
      { name: `LSTM units (of ${o.units})`, color: '#ff7f0e' },
      { name: 'validation accuracy', color: '#2ca02c', dashed: true },
    ],
    yMin: 0,
    yMax: 100,
    xMax: o.epochs,
    format: (v) => `${v.toFixed(0)}%`,
  });
  const ratio = new LineChart({
    title: 'Compression of the LSTM (parameters before / after)',
    series: [{ name: 'compression', color: '#9467bd' }],
    yMin: 0,
    yMax: null,
    xMax: o.epochs,
    format: (v) => `${v.toFixed(v < 10 ? 1 : 0)}x`,
  });
  panel.querySelector<HTMLElement>('.charts')!.replaceChildren(kept.element, ratio.element);
  panel.querySelector<HTMLElement>('.charts-note')!.hidden = false;

  const model = buildDemoModel({ ...task, units: o.units, klFac: o.klFac, seed: o.seed });
  model.compile({ optimizer: vibOptimizer({ lr: o.lr, ibLr: o.ibLr }), loss: 'categoricalCrossentropy' });
  const callback = vibCallback({ validationData: [validation.x, validation.y], warmupEpochs: o.warmupEpochs, fineTuneEpochs: o.fineTuneEpochs });
  const history: EpochPoint[] = [];
  const started = performance.now();
  status.textContent = `Training on ${trainingBackend}: epoch 0/${o.epochs}`;
  await model.fit(train.x, trainY, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    // The generated sequences come in random order already; not reshuffling keeps the run the same on every load.
    shuffle: false,
    verbose: 0,
    callbacks: [
      callback,
      new tfl.CustomCallback({
        onEpochEnd: async (epoch, logs = {}) => {
          const point: EpochPoint = {
            epoch: epoch + 1,
            stage: callback.schedule.stage,
            keptInputs: logs.keptInputs as number,
            keptUnits: logs.keptUnits as number,
            compression: logs.compression as number,
            hardValAccuracy: (logs.hardValAccuracy as number | undefined) ?? null,
          };
          history.push(point);
          const bands = stageBands(history);
          kept.push(
            [(100 * point.keptInputs) / task.features, (100 * point.keptUnits) / o.units, point.hardValAccuracy == null ? null : 100 * point.hardValAccuracy],
            bands,
          );
          ratio.push([point.compression], bands);
          status.textContent =
            `Training on ${trainingBackend}: epoch ${point.epoch}/${o.epochs} (${point.stage}), ${point.keptInputs}/${task.features} inputs, ` +
            `${point.keptUnits}/${o.units} units kept`;
          await tf.nextFrame();
        },
      }),
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  tf.dispose(trainY);
  if (tf.getBackend() !== backend) await selectBackend(backend as BackendChoice);

  status.textContent = 'Compacting and measuring…';
  await tf.nextFrame();
  const result = compact(model);
  const keptTest = tf.gather(test.x, result.keptInputs, 2);
  const fullBatch = tf.slice(test.x, 0, o.latencyBatch);
  const keptBatch = tf.slice(keptTest, 0, o.latencyBatch);
  const quantized = await quantize(result.model, { dtype: 'uint8' });
  const uint8Model = await tfl.loadLayersModel(tf.io.fromMemory(quantized.artifacts));
  const vib: ModelFacts = {
    params: model.countParams(),
    weightBytes: await weightBytes(model),
    latency: await medianLatency(model, fullBatch, o.latencyRuns),
    testAccuracy: accuracy(model, test.x, test.y),
  };
  const compactFacts: ModelFacts = {
    params: result.model.countParams(),
    weightBytes: await weightBytes(result.model),
    latency: await medianLatency(result.model, keptBatch, o.latencyRuns),
    testAccuracy: accuracy(result.model, keptTest, test.y),
  };
  const outcome: CompressResult = {
    backend,
    trainingBackend,
    seconds,
    history,
    keptInputs: result.keptInputs,
    keptUnits: history.at(-1)?.keptUnits ?? o.units,
    vib,
    compact: compactFacts,
    compactUint8: { weightBytes: quantized.bytesAfter, testAccuracy: accuracy(uint8Model, keptTest, test.y), float16Fallbacks: quantized.float16Fallbacks.length },
  };
  tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y, keptTest, fullBatch, keptBatch]);
  model.optimizer.dispose();
  uint8Model.dispose();
  render(panel, outcome, task.features, train.informative);
  status.textContent = `Done: trained ${o.epochs} epochs on ${o.samples} sequences in ${seconds.toFixed(1)} s on ${trainingBackend}; measured on ${backend}.`;
  return outcome;
}

/** The warm-up and fine-tune epochs, shaded on the charts. */
function stageBands(history: EpochPoint[]): Band[] {
  const bands: Band[] = [];
  for (const stage of ['warmup', 'fine-tune'] as const) {
    const epochs = history.filter((p) => p.stage === stage).map((p) => p.epoch);
    if (epochs.length) bands.push({ from: Math.min(...epochs) - 1, to: Math.max(...epochs), label: stage === 'warmup' ? 'warm-up' : 'fine-tune' });
  }
  return bands;
}

function render(panel: HTMLElement, r: CompressResult, features: number, informative: number[]): void {
  const o = PAGE_RUN;
  const times = (a: number, b: number) => `${(a / Math.max(b, 1e-9)).toFixed(1)}x`;
  panel.querySelector<HTMLElement>('.results')!.innerHTML = `
    <table class="compare">
      <thead><tr><th></th><th>VIB model (uncompressed)</th><th>compact model</th><th>smaller / faster</th></tr></thead>
      <tbody>
        <tr><th>parameters</th><td data-k="vib-params">${r.vib.params.toLocaleString('en')}</td><td data-k="compact-params">${r.compact.params.toLocaleString('en')}</td><td>${times(r.vib.params, r.compact.params)}</td></tr>
        <tr><th>weights, float32</th><td data-k="vib-bytes">${formatBytes(r.vib.weightBytes)}</td><td data-k="compact-bytes">${formatBytes(r.compact.weightBytes)}</td><td>${times(r.vib.weightBytes, r.compact.weightBytes)}</td></tr>
        <tr><th>weights, uint8 (<code>quantize</code>)</th><td></td><td data-k="uint8-bytes">${formatBytes(r.compactUint8.weightBytes)}</td><td>${times(r.vib.weightBytes, r.compactUint8.weightBytes)}</td></tr>
        <tr><th>latency (${r.backend})</th><td data-k="vib-latency">${r.vib.latency.medianMs.toFixed(2)} ms</td><td data-k="compact-latency">${r.compact.latency.medianMs.toFixed(2)} ms</td><td>${times(r.vib.latency.medianMs, r.compact.latency.medianMs)}</td></tr>
        <tr><th>test accuracy</th><td>${percent(r.vib.testAccuracy)}</td><td data-k="compact-accuracy">${percent(r.compact.testAccuracy)} (uint8: ${percent(r.compactUint8.testAccuracy)})</td><td></td></tr>
      </tbody>
    </table>
    <p class="note">The VIB model is the model as the fit left it, full size, its gates included (their parameters count);
    the compact model is a plain <code>tf.layers.lstm</code> + dense that reads the kept input features [${r.keptInputs.join(', ')}] of ${features}
    (the label is on [${informative.join(', ')}]) with ${r.keptUnits} of ${o.units} LSTM units.
    Latency: median of ${o.latencyRuns} <code>predict</code> calls on one batch of ${o.latencyBatch} test sequences, after 3 untimed calls.
    Test accuracy on ${o.testSamples} generated test sequences.</p>`;
}
