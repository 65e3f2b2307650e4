import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VIBGRU, VIBLSTM } from '@tfjs-compress/vib-rnn';
import { assertClose, useBackend } from '@tfjs-compress/testing';
import { compact, type CompressionRecord } from '../src/index.js';
import { fileSystemHandler, loadCompact, saveCompact } from '../src/node.js';
import { inputBatch, randomizeWeights, selectFeatures, setGate, useHardMasks } from './helpers.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/load-compact-child.mjs', import.meta.url));

function vibModel(): tfl.LayersModel {
  const lstm = new VIBLSTM({ units: 6, inputBottleneck: true, returnSequences: true, name: 'lstm' });
  const gru = new VIBGRU({ units: 4, name: 'gru' });
  const model = tfl.sequential({
    layers: [
      tfl.layers.inputLayer({ inputShape: [5, 8] }),
      lstm,
      gru,
      tfl.layers.dense({ units: 4, activation: 'relu', name: 'fc' }),
      tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  randomizeWeights(model, 31);
  setGate(lstm.cell.inputGate!, [0, 5, 6]);
  setGate(lstm.cell.gates.i!, [1]);
  setGate(lstm.cell.gates.f!, [2]);
  setGate(gru.cell.gates.h!, [3]);
  setGate(gru.cell.gates.z!, [0]);
  useHardMasks(model);
  return model;
}

describe('saveCompact / loadCompact', () => {
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'prune-save-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes model.json, weights.bin and compression.json that load back to the same predictions', async () => {
    const model = vibModel();
    const result = compact(model);
    const target = join(dir, 'compact');
    await saveCompact(result, target);
    assert.deepEqual((await readdir(target)).sort(), ['compression.json', 'model.json', 'weights.bin']);
    const record = JSON.parse(await readFile(join(target, 'compression.json'), 'utf8')) as CompressionRecord;
    assert.deepEqual(record.keptInputs, [1, 2, 3, 4, 7]);
    const lstmRow = record.report.layers.find((l) => l.name === 'lstm')!;
    assert.deepEqual(lstmRow.weightShapesAfter, [[5, 20], [5, 20], [20]]);
    assert.deepEqual(lstmRow.weightShapesBefore, [[8, 24], [6, 24], [24]]);
    assert.ok(record.report.totals.paramsAfter < record.report.totals.paramsBefore);

    const { model: loaded, compression } = await loadCompact(target);
    assert.deepEqual(compression.keptInputs, result.keptInputs);
    const x = inputBatch(2, 5, 8, 41);
    const xs = selectFeatures(x, result.keptInputs);
    const expected = model.predict(x) as tf.Tensor;
    const got = loaded.predict(xs) as tf.Tensor;
    assertClose(got, expected, 1e-5, 'loaded compact model');
    tf.dispose([x, xs, expected, got]);
    [loaded, result.model, model].forEach((m) => m.dispose());
  });

  it('refuses a truncated weights.bin and a model.json of another model, naming the files', async () => {
    const model = vibModel();
    const result = compact(model);
    const target = join(dir, 'damaged');
    await saveCompact(result, target);
    const weights = join(target, 'weights.bin');
    const whole = await readFile(weights);
    await writeFile(weights, whole.subarray(0, 100));
    await assert.rejects(loadCompact(target), new RegExp(`${weights} holds 100 bytes, but ${join(target, 'model.json')} describes ${whole.length.toLocaleString('en-US')}: the weights file is truncated or belongs to another model`));
    // The full model's topology over the compact model's weights.
    await writeFile(weights, whole);
    const other = join(dir, 'other');
    await model.save(fileSystemHandler(other));
    await writeFile(join(target, 'model.json'), await readFile(join(other, 'model.json')));
    await assert.rejects(loadCompact(target), /belongs to another model/);
    [result.model, model].forEach((m) => m.dispose());
  });

  it('loads in a child process that imports only @tensorflow/tfjs, with the same numbers', async () => {
    const model = vibModel();
    const result = compact(model);
    const target = join(dir, 'child');
    await saveCompact(result, target);
    const x = inputBatch(3, 5, 8, 43);
    const xs = selectFeatures(x, result.keptInputs);
    const inputPath = join(dir, 'input.json');
    await writeFile(inputPath, JSON.stringify({ shape: xs.shape, values: Array.from(xs.dataSync()) }));
    const { stdout } = await run(process.execPath, [CHILD, target, inputPath], { maxBuffer: 1 << 24 });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `child printed no result: ${stdout}`);
    const child = JSON.parse(line.slice('RESULT '.length)) as { shape: number[]; values: number[]; classes: string[] };
    assert.deepEqual(child.classes, ['InputLayer', 'LSTM', 'GRU', 'Dense', 'Dense']);
    const expected = model.predict(x) as tf.Tensor;
    assert.deepEqual(child.shape, expected.shape);
    assertClose(child.values, expected, 1e-5, 'child-process prediction');
    tf.dispose([x, xs, expected]);
    [result.model, model].forEach((m) => m.dispose());
  });

  it('fileSystemHandler round-trips a model with VIB layers (registered classes)', async () => {
    const model = vibModel();
    const target = join(dir, 'vib');
    await model.save(fileSystemHandler(target));
    const loaded = await tfl.loadLayersModel(fileSystemHandler(target));
    assert.equal(loaded.getLayer('lstm').getClassName(), 'VIBLSTM');
    useHardMasks(loaded);
    const x = inputBatch(2, 5, 8, 47);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    assertClose(b, a, 1e-6, 'reloaded VIB model');
    tf.dispose([x, a, b]);
    [loaded, model].forEach((m) => m.dispose());
  });
});
