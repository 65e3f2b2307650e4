import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, assertClose, assertNoLeak, useBackend } from '@tfjs-compress/testing';
import { LeanAdam, VIBTrainer, setFrozenMask, silenceGates } from '@tfjs-compress/vib';
import { InvalidArgumentError } from '@tfjs-compress/common';
import '@tfjs-compress/vib-rnn';
import { DataParallelTrainer, leanAdamState } from '../src/index.js';
import { batchOf, smallModel } from './helpers.js';

const IMPORTS = ['@tfjs-compress/vib-rnn'];
const OPTIONS = { lr: 0.01, ibLr: 0.05, weightDecay: 1e-3 };

/**
 * Steps of the single-process VIBTrainer on the full batches: the reference.
 * `frozenAt` lists the steps run with frozen gates. Returns its losses and its two LeanAdams (caller disposes).
 */
function referenceRun(model: ReturnType<typeof smallModel>, batches: Array<{ xs: tf.Tensor; ys: tf.Tensor }>, frozenAt: number[] = [], scales: number[] = []) {
  const optimizers: LeanAdam[] = [];
  const trainer = new VIBTrainer(model, {
    ...OPTIONS,
    optimizer: (rate) => {
      const o = new LeanAdam(rate);
      optimizers.push(o);
      return o;
    },
  });
  const losses = batches.map((b, i) => {
    if (frozenAt.length > 0) setFrozenMask(model, frozenAt.includes(i));
    for (const o of optimizers) o.setLearningRateScale(scales[i] ?? 1);
    return trainer.trainOnBatch(b.xs, b.ys);
  });
  return { losses, gate: optimizers[0], rest: optimizers[1] };
}

for (const backend of TEST_BACKENDS) {
  describe(`DataParallelTrainer, workers on ${backend}`, () => {
    before(() => useBackend(backend));

    const cases = [
      { what: 'trainable gates, KL, weight decay, uneven split 3+2, gates frozen for step 2', frozen: false, sizes: [5, 5, 5, 5], frozenAt: [1], scales: [] as number[] },
      {
        what: 'frozen gates (fine-tune) with an annealed learning rate, batch 7 then 1 (an empty worker)',
        frozen: true,
        sizes: [7, 1, 4],
        frozenAt: [],
        scales: [1, 0.5, 0.1],
      },
    ];
    for (const c of cases) {
      it(`2 workers equal VIBTrainer on the full batch: ${c.what}`, async () => {
        const batches = c.sizes.map((n, i) => batchOf(n, 40 + i, i === 1));
        const reference = smallModel();
        const parallelSource = smallModel();
        if (c.frozen) {
          setFrozenMask(reference, true);
          setFrozenMask(parallelSource, true);
        }
        const dp = await DataParallelTrainer.create(parallelSource, { workers: 2, imports: IMPORTS, backend, ...OPTIONS });
        try {
          const expected = referenceRun(reference, batches, c.frozenAt, c.scales);
          for (const [i, b] of batches.entries()) {
            // Freezing reorders model.weights (trainable first): the workers must follow.
            if (c.frozenAt.length > 0) await dp.setFrozenMask(c.frozenAt.includes(i));
            if (c.scales.length > 0) await dp.setLearningRateScale(c.scales[i]);
            const { loss, size } = await dp.trainOnBatch(b.xs, b.ys);
            assert.equal(size, c.sizes[i]);
            assert.ok(Math.abs(loss - expected.losses[i]) < 1e-5, `step ${i}: loss ${loss} vs ${expected.losses[i]}`);
          }
          // The moments, put together from every worker's parts, equal the single-process optimizers'.
          const state = await dp.exportOptimizerState();
          const wanted = { gate: await leanAdamState(reference, expected.gate), rest: await leanAdamState(reference, expected.rest) };
          // Two models built alike: the same weights under different auto-numbered layer names.
          const rename = new Map(reference.weights.map((w, i) => [w.originalName, parallelSource.weights[i].originalName]));
          for (const group of ['gate', 'rest'] as const) {
            const names = Object.keys(wanted[group]);
            assert.equal(Object.keys(state[group]).length, names.length, `${group}: ${Object.keys(state[group]).join(', ')}`);
            for (const name of names) {
              const mapped = name === 'iter' ? name : `${rename.get(name.slice(0, -2))}${name.slice(-2)}`;
              assertClose(state[group][mapped], wanted[group][name], 1e-5, `${group} ${mapped}`);
            }
          }
          assert.ok(Object.keys(wanted.rest).length >= 11, 'iter and the moments of 5 weights at least');
          tf.dispose(wanted);
          tf.dispose(state);
          expected.gate.dispose();
          expected.rest.dispose();
          await dp.syncTo(parallelSource);
          // Two models built alike: same weight order, different auto-numbered layer names.
          parallelSource.weights.forEach((w, i) => assertClose(w.read(), reference.weights[i].read(), 1e-5, w.originalName));
          // Every worker applied the same update to the same weights: bitwise equal.
          const [w0, w1] = [await dp.weightsOf(0), await dp.weightsOf(1)];
          for (const name of Object.keys(w0)) assert.deepEqual(w1[name].dataSync(), w0[name].dataSync(), `${name} differs between workers`);
          tf.dispose([w0, w1]);
        } finally {
          await dp.dispose();
          tf.dispose(batches.map((b) => [b.xs, b.ys]));
          reference.dispose();
          parallelSource.dispose();
        }
      });
    }

    /**
     * One worker on a noisy model (logD -3) against VIBTrainer on a twin, loss by loss;
     * `prepare` runs on both first (it gets the trainer only for the worker's model).
     */
    async function assertOneWorkerMatches(batchSeed: number, prepare?: (model: tfl.LayersModel, dp?: DataParallelTrainer) => Promise<void> | void) {
      const noisy = () => smallModel({ logD: -3 });
      const reference = noisy();
      const source = noisy();
      const batches = [batchOf(4, batchSeed), batchOf(4, batchSeed + 1)];
      await prepare?.(reference);
      const dp = await DataParallelTrainer.create(source, { workers: 1, imports: IMPORTS, backend, ...OPTIONS });
      try {
        await prepare?.(source, dp);
        const expected = referenceRun(reference, batches);
        for (const [i, b] of batches.entries()) {
          const { loss } = await dp.trainOnBatch(b.xs, b.ys);
          assert.ok(Math.abs(loss - expected.losses[i]) < 1e-5, `step ${i}: ${loss} vs ${expected.losses[i]}`);
        }
        expected.gate.dispose();
        expected.rest.dispose();
      } finally {
        await dp.dispose();
        tf.dispose(batches.map((b) => [b.xs, b.ys]));
        reference.dispose();
        source.dispose();
      }
    }

    it('1 worker draws the same gate noise as the single-process model (worker 0 keeps its seeds)', () => assertOneWorkerMatches(60));

    it('silence() reaches the workers: 1 worker equals a silenced single-process model, with gate noise on', () =>
      assertOneWorkerMatches(70, async (model, dp) => {
        // Auto-named layers differ between the two models: the same indices under each one's name.
        const plan = { [model.layers[0].name]: { inputs: [1, 3], units: [2] } };
        if (dp) await dp.silence(plan);
        else silenceGates(model, plan);
      }));

    it('averages what the forward pass writes (BatchNormalization statistics) over the workers, by rows', async () => {
      const reference = smallModel({ batchNorm: true });
      const source = smallModel({ batchNorm: true });
      const b = batchOf(5, 70);
      const dp = await DataParallelTrainer.create(source, { workers: 2, imports: IMPORTS, backend, ...OPTIONS });
      try {
        const expected = referenceRun(reference, [b]);
        await dp.trainOnBatch(b.xs, b.ys);
        const [w0, w1] = [await dp.weightsOf(0), await dp.weightsOf(1)];
        const movingMean = source.weights.findIndex((w) => w.originalName.endsWith('moving_mean'));
        const movingVariance = source.weights.findIndex((w) => w.originalName.endsWith('moving_variance'));
        const name = (i: number) => source.weights[i].originalName;
        // The rows-weighted mean of the slices' means is the batch mean: the moving mean matches.
        assertClose(w0[name(movingMean)], reference.weights[movingMean].read(), 1e-5, 'moving mean');
        // The variance is averaged per slice (no cross-slice term), as data-parallel BN without sync does: it moved.
        assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(w0[name(movingVariance)], 1))).dataSync()[0]) > 1e-4, 'moving variance unchanged');
        for (const key of Object.keys(w0)) assert.deepEqual(w1[key].dataSync(), w0[key].dataSync(), `${key} differs between workers`);
        tf.dispose([w0, w1]);
        expected.gate.dispose();
        expected.rest.dispose();
      } finally {
        await dp.dispose();
        tf.dispose([b.xs, b.ys]);
        reference.dispose();
        source.dispose();
      }
    });

    describe('one trainer', () => {
      let dp: DataParallelTrainer;
      let model: ReturnType<typeof smallModel>;
      before(async () => {
        model = smallModel();
        dp = await DataParallelTrainer.create(model, { workers: 2, imports: IMPORTS, backend, ...OPTIONS });
      });
      after(async () => {
        await dp.dispose();
        model.dispose();
      });

      it('counts correct rows and leaks no tensors on the main thread', async () => {
        const { xs, ys } = batchOf(6, 7);
        const { correct } = await dp.trainOnBatch(xs, ys);
        await dp.syncTo(model);
        const expected = tf.tidy(() =>
          tf.sum(tf.cast(tf.equal(tf.argMax(model.predict(xs) as tf.Tensor, -1), tf.argMax(ys, -1)), 'int32')).dataSync()[0],
        );
        assert.ok(correct >= 0 && correct <= 6);
        // After one small step the argmax rarely moves; the count must be close to the updated model's.
        assert.ok(Math.abs(correct - expected) <= 2, `correct ${correct} vs ${expected}`);
        const cycle = async () => {
          await dp.trainOnBatch(xs, ys);
          await dp.setKlFac(0.5);
          await dp.syncTo(model);
          tf.dispose(await dp.exportOptimizerState());
        };
        await assertNoLeak(cycle, 2, 'a parallel step with sync and optimizer export');
        // Nor in the workers.
        const before = await dp.workerTensorCounts();
        await cycle();
        await cycle();
        assert.deepEqual(await dp.workerTensorCounts(), before, 'tensors leaked in the workers');
        tf.dispose([xs, ys]);
      });

      it('exports and imports optimizer state in the checkpoint format', async () => {
        const state = await dp.exportOptimizerState();
        const restNames = Object.keys(state.rest);
        assert.ok(restNames.includes('iter'));
        const kernel = model.weights.find((w) => w.originalName.endsWith('/kernel'))!.originalName;
        assert.ok(restNames.includes(`${kernel}/m`) && restNames.includes(`${kernel}/v`), restNames.join(','));
        assert.ok(Object.keys(state.gate).some((n) => n.includes('vib_mu')));
        // Into a LeanAdam on the main thread: the moments arrive under this thread's variable names.
        const adam = new LeanAdam(0.01);
        const variableName = (model.weights.find((w) => w.originalName === kernel)!.read() as tf.Variable).name;
        await adam.setWeights(
          Object.entries(state.rest).map(([name, tensor]) => ({
            name: name === 'iter' ? name : `${(model.weights.find((w) => w.originalName === name.slice(0, -2))!.read() as tf.Variable).name}${name.slice(-2)}`,
            tensor,
          })),
        );
        assertClose(adam.momentsFor(variableName)!.m, state.rest[`${kernel}/m`], 0, 'moment copy');
        adam.dispose();
        // A round trip through the workers gives back the same state.
        await dp.importOptimizerState(state);
        const again = await dp.exportOptimizerState();
        for (const name of restNames) assertClose(again.rest[name], state.rest[name], 0, name);
        tf.dispose([state, again]);
      });

      it('rejects bad input with a clear message and stays usable', async () => {
        const bad = tf.zeros([2, 3, 3]);
        const ys = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 3);
        await assert.rejects(dp.trainOnBatch(bad, ys), /parallel worker \d/);
        const { xs, ys: good } = batchOf(2, 9);
        const { size } = await dp.trainOnBatch(xs, good);
        assert.equal(size, 2);
        await assert.rejects(dp.trainOnBatch(xs, tf.slice(ys, 0, 1)), InvalidArgumentError);
        tf.dispose([bad, ys, xs, good]);
      });
    });
  });
}

describe('DataParallelTrainer lifecycle', () => {
  before(() => useBackend('cpu'));

  it('validates its options', async () => {
    const model = smallModel();
    await assert.rejects(DataParallelTrainer.create(model, { workers: 0 }), InvalidArgumentError);
    await assert.rejects(DataParallelTrainer.create(model, { backend: 'gpu' as never }), InvalidArgumentError);
    await assert.rejects(DataParallelTrainer.create(model, { lr: -1 }), InvalidArgumentError);
    model.dispose();
  });

  it('fails clearly when a worker cannot load the model (missing custom class)', async () => {
    const model = smallModel();
    await assert.rejects(DataParallelTrainer.create(model, { workers: 2, backend: 'cpu' }), /parallel worker \d: .*VIBLSTM/s);
    await assert.rejects(DataParallelTrainer.create(model, { workers: 1, backend: 'cpu', imports: ['no-such-module-xyz'] }), /no-such-module-xyz/);
    model.dispose();
  });

  it('surfaces a crashed worker instead of hanging, and stops the others', async () => {
    const model = smallModel();
    const crash = fileURLToPath(new URL('./fixtures/crash-later.ts', import.meta.url));
    const dp = await DataParallelTrainer.create(model, { workers: 2, backend: 'cpu', imports: [...IMPORTS, crash] });
    const { xs, ys } = batchOf(4, 1);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await assert.rejects(dp.trainOnBatch(xs, ys), /parallel worker \d crashed: .*fixture crash/s);
    await assert.rejects(dp.setKlFac(0), /fixture crash/);
    await dp.dispose();
    assert.equal(dp.liveWorkers, 0);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('is reproducible for a given seed and worker count, with gate noise on', async () => {
    const run = async () => {
      const model = smallModel({ logD: -3 });
      const dp = await DataParallelTrainer.create(model, { workers: 2, backend: 'cpu', imports: IMPORTS, ...OPTIONS });
      const { xs, ys } = batchOf(5, 3);
      const losses = [(await dp.trainOnBatch(xs, ys)).loss, (await dp.trainOnBatch(xs, ys)).loss];
      const weights = await dp.weightsOf(1);
      const values = Object.keys(weights)
        .sort()
        .map((k) => Array.from(weights[k].dataSync()));
      tf.dispose([weights, xs, ys]);
      await dp.dispose();
      model.dispose();
      return { losses, values };
    };
    const [a, b] = [await run(), await run()];
    assert.deepEqual(a, b);
  });

  it('lets a process that forgets dispose() exit, after its awaited step finished', () => {
    const script = fileURLToPath(new URL('./fixtures/forget-dispose.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.signal, null, 'the process hung (killed by the timeout)');
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /trained 3/);
  });

  it('dispose stops every thread and is idempotent', async () => {
    const model = smallModel();
    const dp = await DataParallelTrainer.create(model, { workers: 2, backend: 'cpu', imports: IMPORTS });
    assert.equal(dp.liveWorkers, 2);
    await dp.dispose();
    assert.equal(dp.liveWorkers, 0);
    await dp.dispose();
    const { xs, ys } = batchOf(2, 1);
    await assert.rejects(dp.trainOnBatch(xs, ys), /after dispose/);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
