import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { lstmParamCount } from '@tfjs-compress/prune';
import { useBackend } from '@tfjs-compress/testing';
import { InvalidArgumentError, JS_TIMED_RUNS, benchEdge, formatEdgeBench, timeIt } from '../src/index.js';

describe('bench-edge', () => {
  before(() => useBackend('wasm'));

  it('the synthetic setup compacts to the requested inputs and units and times every stage', async () => {
    const start = tf.memory().numTensors;
    const r = await benchEdge({ backend: 'wasm', frames: 2, features: 32, units: 16, keptInputs: 5, keptUnits: 3, runs: 3, warmup: 1 }, () => undefined);
    assert.equal(r.source, 'synthetic');
    assert.deepEqual([r.shape.keptInputs, r.shape.keptUnits, r.shape.features, r.shape.units], [5, 3, 32, 16]);
    assert.equal(r.lstmParams.uncompressed, lstmParamCount(32, 16));
    assert.equal(r.lstmParams.compact, lstmParamCount(5, 3));
    assert.equal(r.compactEngine, 'fused');
    for (const t of [r.stages.features, r.stages.lstmUncompressed, r.stages.lstmPlain, r.stages.lstmCompact, r.stages.lstmCompactPredict]) {
      // The fused path is plain JS, timed in its steady state: more runs than asked for.
      assert.equal(t.runs, t === r.stages.lstmCompact ? JS_TIMED_RUNS : 3);
      assert.ok(t.minMs <= t.p25Ms && t.p25Ms <= t.medianMs && t.medianMs <= t.p75Ms && t.p75Ms <= t.maxMs);
    }
    assert.equal(r.stages.decode, null);
    assert.ok(Math.abs(r.totalMs.compact - (r.stages.features.medianMs + r.stages.lstmCompact.medianMs)) < 1e-9);
    assert.match(formatEdgeBench(r), /speed-up +LSTM/);
    assert.equal(tf.memory().numTensors, start, 'models and inputs disposed');
  });

  it('timeIt sorts its runs into median and spread', async () => {
    let i = 0;
    const delays = [5, 1, 9, 3, 7];
    const t = await timeIt(() => new Promise((resolve) => setTimeout(resolve, delays[i++ % 5])), 5, 0);
    assert.ok(t.minMs <= t.medianMs && t.medianMs <= t.maxMs && t.maxMs >= 8);
  });

  it('rejects bad options, naming them', async () => {
    await assert.rejects(benchEdge({ backend: 'wasm', runs: 0 }, () => undefined), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'runs');
    await assert.rejects(benchEdge({ backend: 'wasm', warmup: -1 }, () => undefined), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'warmup');
  });
});
