import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend, tempDir } from '@tfjs-compress/testing';
import { VIBLSTM } from '@tfjs-compress/vib-rnn';
import { fixedRamp, runTraining, type TrainingSessionOptions } from '../src/index.js';
import { arraySource, pulseTask, type PulseTask } from './helpers.js';

const temp = () => tempDir('app-kit-parallel-');
const quiet = () => undefined;

/** No dropout or batch norm: with frozen gates, data-parallel steps are the full-batch steps. */
function gatedModel(task: PulseTask): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      new VIBLSTM({ units: 6, inputShape: [task.steps, task.features], inputBottleneck: true, seed: 3, klFac: 0 }),
      tfl.layers.dense({ units: task.classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
}

describe('runTraining over worker threads', () => {
  let task: PulseTask;
  before(async () => {
    await useBackend('wasm');
    task = pulseTask(40, 5, 10, 3, 1);
  });

  const options = (schedule: TrainingSessionOptions['schedule'], parallel?: TrainingSessionOptions['parallel'], log: (line: string) => void = quiet): TrainingSessionOptions => ({
    outDir: temp(),
    epochs: { vib: 2 },
    buildModel: () => gatedModel(task),
    train: arraySource(task, 10, true),
    seed: 5,
    lr: 1e-2,
    ibLr: 5e-2,
    schedule,
    progress: false,
    log,
    ...(parallel ? { parallel } : {}),
  });

  it('with frozen gates, two workers end with the weights of the main-thread run', async () => {
    const single = await runTraining(options(fixedRamp(0, 2, 0)));
    const lines: string[] = [];
    const parallel = await runTraining(options(fixedRamp(0, 2, 0), { workers: 2, imports: ['@tfjs-compress/vib-rnn'], backend: 'wasm' }, (l) => lines.push(l)));
    assert.ok(lines.some((l) => l.startsWith('data-parallel: 2 worker threads')), 'the workers did the training');
    const a = single.model.getWeights();
    const b = parallel.model.getWeights();
    assert.equal(a.length, b.length);
    let worst = 0;
    a.forEach((w, i) => {
      const x = w.dataSync();
      const y = b[i].dataSync();
      for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - y[j]));
    });
    assert.ok(worst < 1e-4, `max weight difference ${worst}`);
    assert.ok(Math.abs(single.history[1].loss - parallel.history[1].loss) < 1e-4);
    single.model.dispose();
    parallel.model.dispose();
  });

  it('trains a VIB phase with noise and shrinking, and saves a usable model', async () => {
    const run = await runTraining({
      ...options(fixedRamp(1e-2, 1, 1), { workers: 2, imports: ['@tfjs-compress/vib-rnn', '@tfjs-compress/prune'], backend: 'wasm' }),
      epochs: { vib: 4, 'fine-tune': 1 },
      shrink: { patience: 1 },
    });
    assert.equal(run.history.length, 5);
    assert.ok(run.history.every((r) => Number.isFinite(r.loss)));
    run.model.dispose();
  });
});
