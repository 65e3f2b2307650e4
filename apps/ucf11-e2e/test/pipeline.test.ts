import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { findRecurrentLayer, readMetrics, type EpochRecord, type TestPredictions } from '@tfjs-compress/app-kit';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler, loadCompact } from '@tfjs-compress/prune/node';
import { assertClose } from '@tfjs-compress/testing';
import { DEFAULT_TRAIN_OPTIONS, compress, evaluateRun, infer, readRun, report, runPaths, train, type TrainOptions } from '../src/index.js';
import { temp, tinySet } from './helpers.js';

describe('train -> compress -> eval -> infer -> report on a tiny generated set', () => {
  it('runs end to end and the compact model predicts what the VIB model does', async () => {
    const data = await tinySet();
    const out = join(temp(), 'run');
    const options: TrainOptions = {
      ...DEFAULT_TRAIN_OPTIONS,
      data,
      out,
      frames: 4,
      width: 32,
      height: 24,
      units: 8,
      batchSize: 4,
      epochs: 2,
      warmupEpochs: 1,
      rampEpochs: 0,
      fineTuneEpochs: 1,
      // The fixed ramp prunes within these few steps; the default accuracy budget has its own test below.
      policy: 'fixed',
      klFac: 1e-1,
      ibLr: 1,
      backend: 'wasm',
      progress: false,
    };
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const trained = await train(options, log);
    assert.equal(trained.history.length, 3);
    assert.deepEqual(trained.history.map((r) => r.phase), ['vib', 'vib', 'fine-tune']);
    const paths = runPaths(out);
    assert.deepEqual(readMetrics<EpochRecord>(paths.metrics).map((r) => r.epoch), [1, 2, 3]);
    const run = readRun(out);
    assert.equal(run.finished, true);
    assert.equal(run.classes.length, 3);
    assert.equal(run.train.length + run.test.length, 12);
    assert.equal(run.features, 32 * 24 * 3);
    const inputs = trained.history.at(-1)!.keptInputs!;
    trained.model.dispose();

    const results = await compress({ out, backend: 'wasm', latencyRuns: 2, quantize: 'uint8' }, log);
    assert.equal(results.keptInputs, inputs);
    // --quantize uint8: about a quarter of the compact model's weight bytes (a bias with a -1e4 pin stays float16), read back by plain tf.loadLayersModel.
    const shrinkage = results.weightBytes.compact / results.weightBytes.quantized!;
    assert.ok(shrinkage > 3.5 && shrinkage <= 4, `compact / uint8 bytes ${shrinkage}`);
    assert.ok(results.weightBytes.vibModel > results.weightBytes.compact);
    assert.equal(results.quantized!.dtype, 'uint8');
    assert.ok(results.quantized!.maxPredictionDifference < 0.05, `uint8 vs float32 compact: ${results.quantized!.maxPredictionDifference}`);
    assert.ok(existsSync(join(out, 'quantized', 'model.json')));
    // test-predictions.json: every test clip's compact input, with what both saved models give it in Node.
    const recorded = JSON.parse(readFileSync(paths.testPredictions, 'utf8')) as TestPredictions;
    assert.equal(recorded.count, results.testClips);
    assert.deepEqual(recorded.exampleShape, [4, results.keptInputs]);
    const recordedInputs = new Float32Array(Buffer.from(recorded.inputsBase64, 'base64').buffer.slice(0));
    assert.equal(recordedInputs.length, recorded.count * 4 * results.keptInputs);
    const recordedAccuracy = recorded.labels.filter((label, n) => argMax(recorded.compact[n]) === label).length / recorded.count;
    assert.equal(recordedAccuracy, results.after.accuracy);
    const x = tf.tensor3d(recordedInputs, [recorded.count, 4, results.keptInputs]);
    for (const [dir, probabilities] of [['compact', recorded.compact], ['quantized', recorded.quantized!.probabilities]] as const) {
      const model = await tfl.loadLayersModel(fileSystemHandler(join(out, dir)));
      assertClose(tf.tidy(() => model.predict(x) as tf.Tensor).dataSync() as Float32Array, probabilities.flat(), 1e-6, `${dir}: recorded probabilities`);
      model.dispose();
    }
    x.dispose();
    assert.ok(results.keptInputs < results.totalInputs, 'ibLr 1 and klFac 0.1 prune inputs within 3 steps');
    assert.equal(results.totalUnits, 8);
    assert.ok(results.after.lstmParams < results.before.lstmParams);
    assert.equal(results.before.lstmParams, 4 * 8 * (2304 + 8) + 4 * 8);
    assert.equal(results.after.lstmParams, 4 * results.keptUnits * (results.keptInputs + results.keptUnits) + 4 * results.keptUnits);
    // Fine-tuned with hard masks: compaction is exact.
    assert.equal(results.after.accuracy, results.before.accuracy);
    assert.ok(results.maxPredictionDifference < 1e-5);
    assert.ok(results.before.latency.medianMs > 0 && results.after.latency.medianMs > 0);
    assert.ok(existsSync(join(paths.compact, 'model.json')));
    const { compression } = await loadCompact(paths.compact);
    assert.equal(compression.keptInputs.length, results.keptInputs);

    const evaluation = await evaluateRun({ out, backend: 'wasm' }, log);
    assert.equal(evaluation.vib!.accuracy, results.before.accuracy);
    assert.equal(evaluation.compact!.accuracy, results.after.accuracy);

    const clip = run.test[0].path;
    const compactPrediction = await infer(clip, { out, model: 'compact', topK: 2, backend: 'wasm' });
    const vibPrediction = await infer(clip, { out, model: 'vib', topK: 3, backend: 'wasm' });
    assert.equal(compactPrediction.predictions.length, 2);
    assert.equal(vibPrediction.predictions.length, 3);
    assert.ok(Math.abs(vibPrediction.predictions.reduce((s, p) => s + p.probability, 0) - 1) < 1e-4);
    assert.ok(vibPrediction.predictions[0].probability >= vibPrediction.predictions[1].probability);
    assert.equal(compactPrediction.predictions[0].className, vibPrediction.predictions[0].className);
    assert.ok(Math.abs(compactPrediction.predictions[0].probability - vibPrediction.predictions[0].probability) < 1e-5);

    const html = readFileSync(await report({ out, backend: 'wasm' }, log), 'utf8');
    for (const id of ['loss', 'accuracy', 'units', 'inputs', 'hist0', 'hist1', 'pixels']) assert.ok(html.includes(`id="${id}"`), id);
    assert.ok(html.includes('LSTM parameters'));
    assert.equal(tf.getBackend(), 'wasm');
  });
});

describe('the default KL policy', () => {
  it('is the accuracy budget, judged on clips carved from the training clips; the report shows the uncompressed baseline', async () => {
    const data = await tinySet();
    const out = join(temp(), 'run');
    const lines: string[] = [];
    const options: TrainOptions = {
      ...DEFAULT_TRAIN_OPTIONS, data, out, frames: 4, width: 32, height: 24, units: 8, batchSize: 4,
      epochs: 3, warmupEpochs: 1, fineTuneEpochs: 1, backend: 'wasm', progress: false,
    };
    const trained = await train(options, (line) => lines.push(line));
    trained.model.dispose();
    assert.ok(lines.some((l) => l.startsWith('KL policy: accuracy budget')), 'says which policy it runs');
    const run = readRun(out);
    const paths = (clips: { path: string }[] | undefined) => (clips ?? []).map((c) => c.path);
    // One validation clip per class (3 classes, 15%), none of them a test or a training clip.
    assert.equal(run.validation?.length, 3);
    assert.deepEqual(new Set(run.validation!.map((c) => c.label)), new Set([0, 1, 2]));
    for (const path of paths(run.validation)) assert.ok(!paths(run.test).includes(path) && !paths(run.train).includes(path), path);
    assert.equal(run.train.length + run.validation!.length + run.test.length, 12);
    assert.ok(trained.history.every((r) => r.validationAccuracy != null), 'judged on validation every epoch');
    assert.ok(run.baselineTestAccuracy != null && run.baselineValidationAccuracy != null);
    const results = await compress({ out, backend: 'wasm', latencyRuns: 1 }, (line) => lines.push(line));
    assert.equal(results.baselineTestAccuracy, run.baselineTestAccuracy);
    assert.ok(lines.some((l) => l.includes('baseline') && l.includes('best validation accuracy')));
  });
});

describe('tensor-train / tensor-ring input projections', () => {
  for (const projection of ['tt', 'tr'] as const) {
    it(`--projection ${projection} trains, compacts to a dense LSTM and matches the VIB model`, async () => {
      const data = await tinySet();
      const out = join(temp(), 'run');
      const options: TrainOptions = {
        ...DEFAULT_TRAIN_OPTIONS, data, out, frames: 4, width: 32, height: 24, units: 8, batchSize: 6,
        epochs: 1, warmupEpochs: 0, rampEpochs: 0, fineTuneEpochs: 1, projection, projectionRank: 3, projectionOrder: 3,
        backend: 'wasm', progress: false,
      };
      const trained = await train(options, () => undefined);
      const className = (trained.model.layers[0] as unknown as { cell: { projection: { className: string } } }).cell.projection.className;
      assert.equal(className, projection === 'tt' ? 'tensor-train' : 'tensor-ring');
      trained.model.dispose();
      const results = await compress({ out, backend: 'wasm', latencyRuns: 1 }, () => undefined);
      // Before: TT/TR cores + W_hh + bias, far below the dense 4 * 8 * 2304.
      assert.ok(results.before.lstmParams < 4 * 8 * 2304 / 4, `${results.before.lstmParams}`);
      assert.equal(results.after.accuracy, results.before.accuracy);
      assert.ok(results.maxPredictionDifference < 1e-5);
    });
  }
});

describe('ensureSyntheticSet', () => {
  it('never writes into a directory that holds something else', async () => {
    const { mkdirSync, readdirSync, writeFileSync } = await import('node:fs');
    const { ensureSyntheticSet } = await import('../src/index.js');
    const root = join(temp(), 'real');
    mkdirSync(join(root, 'golf_swing'), { recursive: true });
    writeFileSync(join(root, 'golf_swing', 'clip.avi'), '');
    const lines: string[] = [];
    const spec = { root, classes: 2, groups: 1, clipsPerGroup: 1, framesPerClip: 4, width: 16, height: 12, difficulty: 'easy' as const, seed: 1 };
    assert.equal(await ensureSyntheticSet(spec, (l) => lines.push(l)), false);
    assert.deepEqual(readdirSync(root), ['golf_swing']);
    assert.match(lines[0], /not a generated set/);
    const fresh = join(temp(), 'synthetic');
    assert.equal(await ensureSyntheticSet({ ...spec, root: fresh }, () => undefined), true);
    assert.equal(await ensureSyntheticSet({ ...spec, root: fresh }, () => undefined), false);
  });
});

describe('the pre-trained route', () => {
  it('trains a plain LSTM, inserts the bottlenecks at identity, fine-tunes with VIB and compacts', async () => {
    const data = await tinySet();
    const out = join(temp(), 'run');
    const options: TrainOptions = {
      ...DEFAULT_TRAIN_OPTIONS, data, out, frames: 4, width: 32, height: 24, units: 8, batchSize: 6,
      pretrainEpochs: 2, epochs: 1, warmupEpochs: 0, rampEpochs: 0, fineTuneEpochs: 1, backend: 'wasm', progress: false,
    };
    const trained = await train(options, () => undefined);
    assert.deepEqual(trained.history.map((r) => r.phase), ['plain', 'plain', 'vib', 'fine-tune']);
    assert.equal(trained.history[1].keptUnits, null);
    assert.equal(trained.history[2].keptUnits !== null, true);
    assert.equal(findRecurrentLayer(trained.model)?.getClassName(), 'VIBLSTM');
    assert.equal(readRun(out).uncompressedTestAccuracy, trained.history[1].testAccuracy);
    trained.model.dispose();
    const results = await compress({ out, backend: 'wasm', latencyRuns: 1 }, () => undefined);
    assert.equal(results.after.accuracy, results.before.accuracy);
    await assert.rejects(train({ ...options, out: join(temp(), 'x'), projection: 'tt' }, () => undefined), /projection/);
  });
});

function argMax(row: number[]): number {
  return row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
}
