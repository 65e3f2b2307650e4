import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compact, type CompactResult } from '@tfjs-compress/prune';
import { saveCompact } from '@tfjs-compress/prune/node';
import { assertNoLeak, TEST_BACKENDS, useBackend, maxAbsDiff, namesOption, tempDir } from '@tfjs-compress/testing';
import type { VIBGate } from '@tfjs-compress/vib';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { mulberry32, readDataset, type VideoClip } from '@tfjs-compress/video';
import { CompactClipPredictor } from '../src/compact-predictor.js';
import { ensureSyntheticSet, videoSource } from '../src/dataset.js';
import { buildE2eModel } from '../src/e2e-model.js';

// Only src modules this feature uses are imported (not src/index.js), so these tests do not depend on the rest of the app.
const temp = () => tempDir('ucf11-predictor-');

/** 3 classes x 2 groups x 1 clip of 8 frames at 32x24, generated once per process. */
let tiny: Promise<string> | undefined;
function tinySet(): Promise<string> {
  tiny ??= (async () => {
    const root = join(temp(), 'data');
    await ensureSyntheticSet(
      { root, classes: 3, groups: 2, clipsPerGroup: 1, framesPerClip: 8, width: WIDTH, height: HEIGHT, difficulty: 'easy', seed: 1 },
      () => undefined,
    );
    return root;
  })();
  return tiny;
}

const FRAMES = 4;
const WIDTH = 32;
const HEIGHT = 24;
const FEATURES = WIDTH * HEIGHT * 3;
const UNITS = 8;
const CLASSES = 3;

/** Sets a gate so that exactly `pruned` have log alpha > 0, with mu != 1 on the rest. */
function setGate(gate: VIBGate, pruned: Iterable<number>, seed: number): void {
  const rng = mulberry32(seed);
  const mu = Float32Array.from({ length: gate.size }, () => 0.7 + 0.6 * rng.next());
  const logD = new Float32Array(gate.size).fill(-9);
  for (const k of pruned) logD[k] = 5;
  tf.tidy(() => {
    gate.mu.write(tf.tensor1d(mu));
    gate.logD.write(tf.tensor1d(logD));
  });
}

/**
 * The end-to-end model at a tiny size with gates set as after VIB training:
 * about 5% of the pixels and 3 of 8 units kept (one of them with a closed
 * forget gate), batch-norm statistics away from identity; then compacted.
 */
function compactE2eModel(): CompactResult {
  const model = buildE2eModel({ frames: FRAMES, features: FEATURES, units: UNITS, classes: CLASSES, dropout: 0.5, klFac: 1e-3, klMult: 2, seed: 3 });
  const cell = (model.layers[0] as VIBLSTM).cell as unknown as { inputGate: VIBGate; gates: Record<string, VIBGate | null> };
  const rng = mulberry32(11);
  const prunedPixels = Array.from({ length: FEATURES }, (_, i) => i).filter(() => rng.next() > 0.05);
  setGate(cell.inputGate, prunedPixels, 1);
  setGate(cell.gates.o!, [0, 2, 3, 5, 6], 2);
  setGate(cell.gates.f!, [4], 3);
  for (const name of ['i', 'g']) setGate(cell.gates[name]!, [], 4);
  const bn = model.getLayer('head_bn');
  const stats = [1.5, 0.2, -0.3, 2.5].map((base, w) =>
    tf.tensor1d(Array.from({ length: UNITS }, (_, k) => base + 0.1 * ((k * (w + 3)) % 5))),
  );
  bn.setWeights(stats);
  tf.dispose(stats);
  const result = compact(model, { allowSoftGates: true });
  model.dispose();
  return result;
}

/** The old path: the stream's full [1, T, H*W*3] float batch -> x[..., keptInputs] -> model.predict. */
async function oldPath(result: CompactResult, clips: VideoClip[], cacheDir: string): Promise<Map<string, Float32Array>> {
  const source = videoSource(clips, 'test', { frames: FRAMES, width: WIDTH, height: HEIGHT, batchSize: 1, classes: CLASSES, seed: 1, cacheDir });
  // As compress's keepInputs: x[..., keptInputs].
  const transform = (xs: tf.Tensor) => tf.gather(xs, tf.tensor1d(result.keptInputs, 'int32'), 2);
  const out = new Map<string, Float32Array>();
  try {
    for await (const batch of source.stream.epoch(0)) {
      out.set(batch.paths[0], tf.tidy(() => (result.model.predict(transform(batch.xs)) as tf.Tensor).dataSync() as Float32Array));
      tf.dispose([batch.xs, batch.ys]);
    }
  } finally {
    await source.stream.close();
  }
  return out;
}


for (const backend of TEST_BACKENDS) {
  describe(`CompactClipPredictor (${backend})`, () => {
    let result: CompactResult;
    let dir: string;
    let clips: VideoClip[];

    before(async () => {
      await useBackend(backend);
      result = compactE2eModel();
      dir = join(temp(), 'compact');
      await saveCompact(result, dir);
      clips = (await readDataset(await tinySet())).clips.slice(0, 4);
    });

    it('predicts what the full-tensor path predicts (1e-5), with both engines', async () => {
      assert.ok(result.keptInputs.length > 40 && result.keptInputs.length < 200, `${result.keptInputs.length} kept pixels`);
      assert.equal(result.model.getLayer('vib_lstm').getWeights()[1].shape[0], 3, 'three kept units');
      const expected = await oldPath(result, clips, join(temp(), 'cache'));
      assert.equal(expected.size, clips.length);
      const spread = maxAbsDiff(expected.get(clips[0].path)!, expected.get(clips[1].path)!);
      assert.ok(spread > 1e-3, `clips give different predictions (${spread})`);
      for (const engine of ['fused', 'layers'] as const) {
        const predictor = await CompactClipPredictor.load(dir, { frames: FRAMES, width: WIDTH, height: HEIGHT, engine });
        assert.equal(predictor.engine, engine);
        for (const clip of clips) {
          const got = await predictor.predict(clip.path);
          assert.ok(maxAbsDiff(got.probabilities, expected.get(clip.path)!) < 1e-5, `${engine} ${clip.path}`);
          assert.deepEqual(got.frameIndices, [0, 2, 4, 6], '8 frames, T = 4: stride 2 from frame 0');
          const t = got.times;
          assert.ok(t.decodeMs > 0 && t.gatherMs >= 0 && t.modelMs > 0, JSON.stringify(t));
          assert.ok(Math.abs(t.totalMs - (t.decodeMs + t.gatherMs + t.modelMs)) < 1, JSON.stringify(t));
        }
        predictor.dispose();
      }
    });

    it("'auto' picks the fused engine for a compacted end-to-end model, and the frame cache gives the same answer", async () => {
      const cacheDir = join(temp(), 'cache');
      const predictor = await CompactClipPredictor.load(dir, { frames: FRAMES, width: WIDTH, height: HEIGHT, cacheDir });
      assert.equal(predictor.engine, 'fused');
      const first = await predictor.predict(clips[0].path);
      const second = await predictor.predict(clips[0].path);
      assert.equal(predictor.cache!.stats.writes, 1);
      assert.equal(predictor.cache!.stats.hits, 1);
      assert.deepEqual(Array.from(second.probabilities), Array.from(first.probabilities));
      assert.deepEqual(second.frameIndices, first.frameIndices);
      assert.equal(second.numFrames, first.numFrames);
      predictor.dispose();
    });

    it('leaks no tensors', async () => {
      const predictor = await CompactClipPredictor.load(dir, { frames: FRAMES, width: WIDTH, height: HEIGHT, engine: 'layers' });
      const fused = await CompactClipPredictor.load(dir, { frames: FRAMES, width: WIDTH, height: HEIGHT, engine: 'fused' });
      await assertNoLeak(() => predictor.predict(clips[1].path), 2, 'layers predict');
      await assertNoLeak(() => fused.predict(clips[1].path), 2, 'fused predict');
      const before = tf.memory().numTensors;
      const weights = predictor.model.weights.length;
      predictor.dispose();
      fused.dispose();
      assert.equal(tf.memory().numTensors, before - 2 * weights, 'dispose frees the models');
    });

    it('names the bad option', async () => {
      const options = { frames: FRAMES, width: WIDTH, height: HEIGHT };
      const { model } = result;
      const kept = result.keptInputs;
      assert.throws(() => new CompactClipPredictor(model, kept, { ...options, width: 0 }), namesOption('width'));
      assert.throws(() => new CompactClipPredictor(model, kept, { ...options, frames: 5 }), namesOption('frames'));
      assert.throws(() => new CompactClipPredictor(model, kept.slice(1), options), namesOption('keptInputs'));
      assert.throws(() => new CompactClipPredictor(model, [...kept.slice(1), FEATURES], options), namesOption('keptInputs'));
      assert.throws(() => new CompactClipPredictor(model, kept, { ...options, width: 16 }), namesOption('keptInputs'), 'pixels outside a smaller frame');
      assert.throws(() => new CompactClipPredictor(model, kept, { ...options, engine: 'gpu' as never }), namesOption('engine'));
      assert.throws(() => new CompactClipPredictor(model, kept, { ...options, shortClip: 'wrap' as never }), namesOption('shortClip'));
      assert.throws(() => new CompactClipPredictor(model, kept, { ...options, scaleFlags: 'cubic' as never }), namesOption('scaleFlags'));
      const predictor = new CompactClipPredictor(model, kept, options);
      await assert.rejects(predictor.predict(''), namesOption('path'));
      assert.throws(() => predictor.predictFeatures(new Float32Array(3)), namesOption('features'));
      assert.throws(() => predictor.predictDecoded({ width: 16, height: 12, numFrames: 1, data: new Uint8Array(16 * 12 * 3) }), namesOption('clip'));
      // A GRU model has no fused path: 'fused' says so, 'auto' falls back to layers.
      const gru = tfl.sequential({ layers: [tfl.layers.gru({ units: 2, recurrentInitializer: 'glorotUniform', inputShape: [FRAMES, 3] }), tfl.layers.dense({ units: 2, activation: 'softmax' })] });
      assert.throws(() => new CompactClipPredictor(gru, [0, 1, 2], { ...options, engine: 'fused' }), namesOption('engine'));
      assert.equal(new CompactClipPredictor(gru, [0, 1, 2], options).engine, 'layers');
      gru.dispose();
    });
  });
}
