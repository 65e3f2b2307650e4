import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertClose, tempDir, useBackend } from '@tfjs-compress/testing';
import { gatedLayers, measureCompression } from '@tfjs-compress/vib';
import { accuracyBudget, evaluate, fixedRamp, referenceAccuracies, runTraining, type TrainingSessionOptions } from '../src/index.js';
import { arraySource, pulseTask, runUntilKilled, smallVibModel, type PulseTask } from './helpers.js';

const temp = () => tempDir('app-kit-schedule-');
const quiet = () => undefined;
/** Three of the 96 validation clips: how far the short fine-tune after the budget's judgement moves the final accuracy. */
const TOLERANCE = 3 / 96;
const weightsOf = (model: tfl.LayersModel) => model.getWeights().map((w) => Float32Array.from(w.dataSync()));

/** runTraining's one engine with the train package's policies: the apps' default accuracy budget against the fixed ramp. */
describe('runTraining under the VIB schedule', () => {
  let task: PulseTask;
  let validationTask: PulseTask;
  let testTask: PulseTask;
  // Schedules are backend-independent; wasm runs these LSTMs about ten times faster than cpu.
  before(async () => {
    await useBackend('wasm');
    task = pulseTask(192, 6, 16, 4, 1);
    validationTask = pulseTask(96, 6, 16, 4, 55);
    testTask = pulseTask(128, 6, 16, 4, 99);
  });

  const session = (outDir: string, schedule: TrainingSessionOptions['schedule'], parallel?: TrainingSessionOptions['parallel']): TrainingSessionOptions => ({
    outDir,
    epochs: { vib: 16, 'fine-tune': 2 },
    buildModel: () => smallVibModel(task, 16, 1),
    train: arraySource(task, 32, true),
    test: arraySource(testTask, 64, false),
    schedule,
    seed: 1,
    lr: 1e-2,
    ibLr: 5e-2,
    progress: false,
    log: quiet,
    ...(parallel ? { parallel } : {}),
  });
  const budget = () => accuracyBudget(0.02, 6, arraySource(validationTask, 48, false), { chanceAccuracy: 0.25, controlsPerEpoch: 2 });

  it('the budget keeps the accuracy a steep fixed ramp loses, and compresses', async () => {
    const fixed = await runTraining(session(temp(), fixedRamp(0.3, 6, 1)));
    const held = await runTraining(session(temp(), budget()));
    const validation = arraySource(validationTask, 96, false);
    const fixedAccuracy = (await evaluate(fixed.model, validation)).accuracy;
    const heldAccuracy = (await evaluate(held.model, validation)).accuracy;
    const baseline = referenceAccuracies(held.history).baselineValidationAccuracy!;
    assert.ok(baseline > 0.9, `the uncompressed model learned the task (${baseline})`);
    assert.ok(fixedAccuracy < 0.45, `the fixed ramp pruned the model to near chance (${fixedAccuracy}, 4 classes)`);
    // Judged before the fine-tune; the fine-tune after it (1 + 1 epochs, annealed) moves this
    // 96-clip accuracy by a clip or two either way: within the budget give or take 3 clips.
    assert.ok(heldAccuracy >= baseline - 0.02 - TOLERANCE, `the budget held it: ${heldAccuracy} vs the uncompressed ${baseline}`);
    assert.ok(measureCompression(held.model).ratio > 1.5, `compression ${measureCompression(held.model).ratio}`);
    // The run leaves the model in the state compact reproduces.
    for (const layer of gatedLayers(held.model)) for (const gate of layer.vibGates) assert.equal(gate.settings.inferenceMode, 'hard');
    assert.deepEqual([...new Set(held.history.map((r) => r.stage))], ['warmup', 'vib', 'fine-tune']);
    assert.ok(held.history.every((r) => r.validationAccuracy != null));
    fixed.model.dispose();
    held.model.dispose();
  });

  it('a run killed in the VIB stage (a kept state to roll back to) resumes to the weights of an uninterrupted one', async () => {
    const whole = await runTraining(session(temp(), budget()));
    const out = temp();
    await runUntilKilled(session(out, budget()), 14);
    const resumed = await runTraining({ ...session(out, budget()), resume: true });
    assert.equal(resumed.resumedFrom, 14);
    assert.deepEqual(
      resumed.history.map((r) => [r.phase, r.stage, r.klFac, r.keptInputs, r.keptUnits, r.validationAccuracy]),
      whole.history.map((r) => [r.phase, r.stage, r.klFac, r.keptInputs, r.keptUnits, r.validationAccuracy]),
    );
    const expected = weightsOf(whole.model);
    weightsOf(resumed.model).forEach((w, i) => assertClose(w, expected[i], 1e-5, `weight ${i}`));
    whole.model.dispose();
    resumed.model.dispose();
  });

  it('shrinks during the VIB stage what the kept state prunes too, holds the budget, and resumes exactly', async () => {
    const shrinking = (out: string) => ({ ...session(out, budget()), shrink: { patience: 1 } });
    const whole = await runTraining(shrinking(temp()));
    const vibEpochs = whole.history.filter((r) => r.stage === 'vib');
    assert.ok(vibEpochs.some((r) => r.modelInputs! < 16), `inputs left the live model before the fine-tune: ${vibEpochs.map((r) => r.modelInputs)}`);
    const baseline = referenceAccuracies(whole.history).baselineValidationAccuracy!;
    const accuracy = (await evaluate(whole.model, arraySource(validationTask, 96, false))).accuracy;
    assert.ok(accuracy >= baseline - 0.02 - TOLERANCE, `${accuracy} vs the uncompressed ${baseline}`);
    // Killed after a shrink, with a kept state carried to the shrunk model in the checkpoint.
    const out = temp();
    await runUntilKilled(shrinking(out), 15);
    const resumed = await runTraining({ ...shrinking(out), resume: true });
    assert.deepEqual(
      resumed.history.map((r) => [r.keptInputs, r.keptUnits, r.modelInputs, r.modelUnits, r.validationAccuracy]),
      whole.history.map((r) => [r.keptInputs, r.keptUnits, r.modelInputs, r.modelUnits, r.validationAccuracy]),
    );
    const expected = weightsOf(whole.model);
    weightsOf(resumed.model).forEach((w, i) => assertClose(w, expected[i], 1e-5, `weight ${i}`));
    whole.model.dispose();
    resumed.model.dispose();
  });

  it('over worker threads: roll-backs and the fine-tune reach the workers', async () => {
    const lines: string[] = [];
    const run = await runTraining({
      ...session(temp(), budget(), { workers: 2, imports: ['@tfjs-compress/vib-rnn'], backend: 'wasm' }),
      log: (line) => lines.push(line),
    });
    const starts = lines.filter((l) => l.startsWith('data-parallel: 2 worker threads')).length;
    // Once at the start, once for the fine-tune, and once per roll-back.
    assert.ok(starts >= 2, `workers started ${starts} times`);
    const baseline = referenceAccuracies(run.history).baselineValidationAccuracy!;
    const accuracy = (await evaluate(run.model, arraySource(validationTask, 96, false))).accuracy;
    assert.ok(accuracy >= baseline - 0.02 - TOLERANCE, `${accuracy} vs the uncompressed ${baseline}`);
    run.model.dispose();
  });
});
