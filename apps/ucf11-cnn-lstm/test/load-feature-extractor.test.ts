import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, assertClose, useBackend } from '@tfjs-compress/testing';
import { InvalidArgumentError, loadFeatureExtractor } from '../src/index.js';
import {
  GRAPH_H, GRAPH_IN, GRAPH_OUT, GRAPH_W, HEIGHT, WIDTH,
  makeTempDir, pseudoRandom, removeDir, tinyClassifier, writeGraphModel, writeShardedLayersModel,
} from './helpers.js';

async function rejectsWith(promise: Promise<unknown>, option: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(InvalidArgumentError.isInstance(error), `expected InvalidArgumentError, got ${String(error)}`);
    assert.equal(error.option, option);
    assert.match(error.message, pattern);
    return true;
  });
}

for (const backend of TEST_BACKENDS) {
  describe(`loadFeatureExtractor (${backend})`, () => {
    let layersDir = '';
    let graphDir = '';
    let original: tfl.LayersModel;
    const kernel = pseudoRandom(GRAPH_IN * GRAPH_OUT, 3);

    before(async () => {
      await useBackend(backend);
      layersDir = await makeTempDir();
      graphDir = await makeTempDir();
      original = tinyClassifier();
      const shards = await writeShardedLayersModel(original, layersDir, 2);
      assert.equal(shards.length, 2);
      await writeGraphModel(graphDir, kernel);
    });

    after(async () => {
      original.dispose();
      await removeDir(layersDir);
      await removeDir(graphDir);
    });

    it("reads a two-shard layers model's 'pool' output exactly like the original model", async () => {
      const start = tf.memory().numTensors;
      const extractor = await loadFeatureExtractor({ source: layersDir, output: 'pool' });
      try {
        assert.equal(extractor.featureSize, 4);
        assert.equal(extractor.inputHeight, HEIGHT);
        assert.equal(extractor.inputWidth, WIDTH);
        assert.match(extractor.id, /^layers-model:sha256=[0-9a-f]{16}:output=pool:size=10x8:norm=imagenet$/);
        const frames = tf.tensor4d(pseudoRandom(3 * HEIGHT * WIDTH * 3, 11), [3, HEIGHT, WIDTH, 3]);
        const reference = tfl.model({ inputs: original.inputs, outputs: original.getLayer('pool').output as tfl.SymbolicTensor });
        const expected = reference.predict(frames) as tf.Tensor;
        const features = extractor.extract(frames);
        assertClose(features, expected, 1e-5, 'pool features');
        tf.dispose([frames, expected, features]);
      } finally {
        extractor.dispose();
      }
      assert.equal(tf.memory().numTensors, start, 'tensors left after dispose');
    });

    it('defaults to the model output, accepts a model.json path, and frees its weights on dispose', async () => {
      const before = tf.memory().numTensors;
      const extractor = await loadFeatureExtractor({ source: join(layersDir, 'model.json') });
      assert.equal(extractor.featureSize, 5);
      const frames = tf.tensor4d(pseudoRandom(2 * HEIGHT * WIDTH * 3, 5), [2, HEIGHT, WIDTH, 3]);
      const expected = original.predict(frames) as tf.Tensor;
      const features = extractor.extract(frames);
      assertClose(features, expected, 1e-5, 'classifier output');
      tf.dispose([frames, expected, features]);
      extractor.dispose();
      assert.equal(tf.memory().numTensors, before, 'tensors left after dispose');
    });

    it('extract leaks no tensors', async () => {
      const extractor = await loadFeatureExtractor({ source: layersDir, output: 'pool' });
      const frames = tf.zeros([2, HEIGHT, WIDTH, 3]) as tf.Tensor4D;
      extractor.extract(frames).dispose();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) extractor.extract(frames).dispose();
      assert.equal(tf.memory().numTensors, before);
      frames.dispose();
      extractor.dispose();
    });

    it('needs inputSize when the model leaves height/width open, and checks it otherwise', async () => {
      const dir = await makeTempDir();
      const open = tinyClassifier([null, null, 3]);
      try {
        await writeShardedLayersModel(open, dir, 3);
        await rejectsWith(loadFeatureExtractor({ source: dir }), 'inputSize', /leaves them open/);
        const extractor = await loadFeatureExtractor({ source: dir, output: 'pool', inputSize: [6, 7] });
        assert.equal(extractor.inputHeight, 6);
        assert.equal(extractor.inputWidth, 7);
        assert.equal(extractor.featureSize, 4);
        extractor.dispose();
        await rejectsWith(loadFeatureExtractor({ source: layersDir, inputSize: 9 }), 'inputSize', /\[8, 10\]/);
      } finally {
        open.dispose();
        await removeDir(dir);
      }
    });

    it('runs a hand-written graph model (Placeholder, Reshape, MatMul, Relu) like the same tf ops', async () => {
      const start = tf.memory().numTensors;
      const extractor = await loadFeatureExtractor({ source: graphDir, normalization: 'unit' });
      const raw = await loadFeatureExtractor({ source: graphDir, output: 'matmul', normalization: 'unit' });
      try {
        assert.equal(extractor.featureSize, GRAPH_OUT);
        assert.equal(extractor.inputHeight, GRAPH_H);
        assert.equal(extractor.inputWidth, GRAPH_W);
        assert.match(extractor.id, /^graph-model:sha256=[0-9a-f]{16}:output=default:size=3x2:norm=unit$/);
        const frames = tf.tensor4d(pseudoRandom(4 * GRAPH_IN, 9), [4, GRAPH_H, GRAPH_W, 3]);
        const w = tf.tensor2d(kernel, [GRAPH_IN, GRAPH_OUT]);
        const linear = tf.tidy(() => tf.matMul(tf.reshape(frames, [4, GRAPH_IN]), w));
        const expected = tf.relu(linear);
        const features = extractor.extract(frames);
        const preRelu = raw.extract(frames);
        assertClose(features, expected, 1e-5, 'graph features');
        assertClose(preRelu, linear, 1e-5, 'matmul node');
        assert.ok(Math.min(...linear.dataSync()) < 0, 'fixture should exercise the ReLU');
        tf.dispose([frames, w, linear, expected, features, preRelu]);
      } finally {
        extractor.dispose();
        raw.dispose();
      }
      assert.equal(tf.memory().numTensors, start, 'tensors left after dispose');
    });

    it('loads over http(s) with tfjs http loading', async () => {
      const server: Server = createServer((request, response) => {
        readFile(join(layersDir, (request.url ?? '/').slice(1)))
          .then((body) => response.writeHead(200).end(body))
          .catch(() => response.writeHead(404).end());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      try {
        const fromUrl = await loadFeatureExtractor({ source: base, output: 'pool' });
        const fromDisk = await loadFeatureExtractor({ source: layersDir, output: 'pool' });
        assert.equal(fromUrl.id, fromDisk.id, 'same bytes, same id');
        const frames = tf.tensor4d(pseudoRandom(HEIGHT * WIDTH * 3, 2), [1, HEIGHT, WIDTH, 3]);
        const a = fromUrl.extract(frames);
        const b = fromDisk.extract(frames);
        assertClose(a, b, 1e-6, 'url vs disk');
        tf.dispose([frames, a, b]);
        fromUrl.dispose();
        fromDisk.dispose();
        await rejectsWith(loadFeatureExtractor({ source: `${base}missing/model.json` }), 'source', /HTTP 404/);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('names the parameter, the value and what was expected on bad input', async () => {
      await rejectsWith(loadFeatureExtractor({ source: layersDir, output: 'nope' }), 'output',
        /'nope'.*a layer name of this model, one of: 'pool', .*'conv'/);
      await rejectsWith(loadFeatureExtractor({ source: graphDir, output: 'nope' }), 'output',
        /a node name of this graph, one of: .*'matmul'/);
      await rejectsWith(loadFeatureExtractor({ source: join(layersDir, 'does-not-exist') }), 'source', /does-not-exist.*nothing is there/);
      const dir = await makeTempDir();
      try {
        await rejectsWith(loadFeatureExtractor({ source: dir }), 'source', /contains model\.json/);
        await writeFile(join(dir, 'model.json'), JSON.stringify({ format: 'tfjs-something', modelTopology: { foo: 1 }, weightsManifest: [] }));
        await rejectsWith(loadFeatureExtractor({ source: dir }), 'source', /'layers-model' or 'graph-model'/);
        await writeFile(join(dir, 'model.json'), '{ not json');
        await rejectsWith(loadFeatureExtractor({ source: dir }), 'source', /valid JSON/);
      } finally {
        await removeDir(dir);
      }
      await rejectsWith(loadFeatureExtractor({ source: layersDir, inputSize: [8, 0] }), 'inputSize', /positive integer/);
      await rejectsWith(loadFeatureExtractor({ source: layersDir, normalization: 'bogus' as never }), 'normalization', /imagenet/);
    });
  });
}
