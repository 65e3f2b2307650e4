import assert from 'node:assert/strict';
import { readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend, TEST_BACKENDS } from '@tfjs-compress/testing';
import { InvalidArgumentError, expectedWeightBytes, fileModelHandler, modelKindOf } from '../src/index.js';
import { makeTempDir, removeDir, tinyClassifier, writeShardedLayersModel } from './helpers.js';

describe('fileModelHandler', () => {
  let dir = '';
  let model: tfl.LayersModel;
  let shards: string[] = [];

  before(async () => {
    await useBackend(TEST_BACKENDS[0]);
    dir = await makeTempDir();
    model = tinyClassifier();
    shards = await writeShardedLayersModel(model, dir, 3);
  });

  after(async () => {
    model.dispose();
    await removeDir(dir);
  });

  it('concatenates every shard in manifest order (not name order)', async () => {
    // Swap the shard files' names and the manifest's list: the bytes must still line up.
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    await rename(join(dir, shards[0]), join(dir, 'tmp.bin'));
    await rename(join(dir, shards[2]), join(dir, shards[0]));
    await rename(join(dir, 'tmp.bin'), join(dir, shards[2]));
    json.weightsManifest[0].paths = [shards[2], shards[1], shards[0]];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));

    const artifacts = await fileModelHandler(dir).load!();
    assert.equal(artifacts.format, 'layers-model');
    const loaded = await tfl.loadLayersModel(fileModelHandler(join(dir, 'model.json')));
    const expected = model.getWeights();
    const actual = loaded.getWeights();
    assert.equal(actual.length, expected.length);
    actual.forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), Array.from(expected[i].dataSync())));
    loaded.dispose();
    assert.equal(expectedWeightBytes(json.weightsManifest), tf.io.CompositeArrayBuffer.join(artifacts.weightData!).byteLength);
  });

  it('names a missing or short shard', async () => {
    const copy = await makeTempDir();
    try {
      const names = await writeShardedLayersModel(model, copy, 2);
      await truncate(join(copy, names[1]), 4);
      await assert.rejects(fileModelHandler(copy).load!(),
        (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'source' && /truncated/.test(e.message));
      await rename(join(copy, names[1]), join(copy, 'elsewhere.bin'));
      await assert.rejects(fileModelHandler(copy).load!(),
        (e: unknown) => InvalidArgumentError.isInstance(e) && e.message.includes(names[1]));
    } finally {
      await removeDir(copy);
    }
  });

  it('tells layers models from graph models', () => {
    assert.equal(modelKindOf({ format: 'layers-model', modelTopology: {} } as tf.io.ModelJSON), 'layers-model');
    assert.equal(modelKindOf({ format: 'graph-model', modelTopology: {} } as tf.io.ModelJSON), 'graph-model');
    assert.equal(modelKindOf({ modelTopology: { class_name: 'Functional', config: { layers: [] } } } as unknown as tf.io.ModelJSON), 'layers-model');
    assert.equal(modelKindOf({ modelTopology: { keras_version: '2.4', model_config: { class_name: 'Model' } } } as unknown as tf.io.ModelJSON), 'layers-model');
    assert.equal(modelKindOf({ modelTopology: { node: [] } } as unknown as tf.io.ModelJSON), 'graph-model');
    assert.equal(modelKindOf({ modelTopology: { foo: 1 } } as unknown as tf.io.ModelJSON), null);
    assert.equal(modelKindOf({} as tf.io.ModelJSON), null);
  });
});
