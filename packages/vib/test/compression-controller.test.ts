import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, seededRandom } from '@tfjs-compress/common';
import {
  CompressionController,
  DEFAULT_CONTROLLER_GROWTH,
  DEFAULT_CONTROLLER_START_KL_FAC,
  recurrentParams,
} from '../src/index.js';

/** Deterministic generator for the simulated training run. */
const random = seededRandom;

/**
 * A simulated VIB training signal: an LSTM of 128 units on 28 inputs whose
 * units each have an importance (log-uniform over five decades). A unit whose
 * importance is below klFac closes with probability 0.4 per control step
 * (pruning lags the klFac that causes it) and never reopens (in real runs
 * pruning is nearly one-way: once mu is small its KL gradient vanishes). An
 * undamped controller overshoots this plant (checked: damping 0 lands at
 * 24x to 29x for seed 1).
 */
function simulatedRun(seed: number) {
  const rand = random(seed);
  const units = 128;
  const inputs = 28;
  const importance = Array.from({ length: units }, () => 10 ** (-6 + 5 * rand()));
  const inputImportance = Array.from({ length: inputs }, () => 10 ** (-6 + 5 * rand()));
  const open = new Array(units).fill(true);
  const inputOpen = new Array(inputs).fill(true);
  const before = recurrentParams(4, inputs, units);
  const ratio = () => before / Math.max(1, recurrentParams(4, inputOpen.filter(Boolean).length, open.filter(Boolean).length));
  return {
    step(klFac: number): number {
      const evolve = (isOpen: boolean[], imp: number[]) =>
        isOpen.forEach((o, k) => {
          if (o && imp[k] < klFac && rand() < 0.4) isOpen[k] = false;
        });
      evolve(open, importance);
      evolve(inputOpen, inputImportance);
      return ratio();
    },
    save: () => ({ open: [...open], inputOpen: [...inputOpen] }),
    /** Back to a saved state; returns its compression. */
    restore(state: { open: boolean[]; inputOpen: boolean[] }): number {
      state.open.forEach((o, k) => (open[k] = o));
      state.inputOpen.forEach((o, k) => (inputOpen[k] = o));
      return ratio();
    },
  };
}

describe('CompressionController', () => {
  it('reaches a 20x target within 20% on a simulated training signal, for several seeds', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const run = simulatedRun(seed);
      const controller = new CompressionController({ targetCompression: 20 });
      let compression = 1;
      let best = { score: -Infinity, compression: 1 };
      for (let step = 0; step < 80; step++) {
        compression = run.step(controller.klFac);
        const score = controller.score({ compression });
        if (score > best.score) best = { score, compression };
        controller.update({ compression });
      }
      assert.ok(Math.abs(best.compression / 20 - 1) <= 0.2, `seed ${seed}: best state ${best.compression.toFixed(1)}x`);
      assert.ok(Math.abs(compression / 20 - 1) <= 0.2, `seed ${seed}: final state ${compression.toFixed(1)}x`);
    }
  });

  it('grows klFac geometrically from its start while far below the target, then brakes', () => {
    const controller = new CompressionController({ targetCompression: 20 });
    assert.equal(controller.klFac, DEFAULT_CONTROLLER_START_KL_FAC);
    controller.update({ compression: 1 });
    assert.ok(Math.abs(controller.klFac / (DEFAULT_CONTROLLER_START_KL_FAC * DEFAULT_CONTROLLER_GROWTH) - 1) < 1e-12);
    // Compression jumped from 1x to 15x in one step: the damping term pulls klFac back down.
    const before = controller.klFac;
    controller.update({ compression: 15 });
    assert.ok(controller.klFac < before, `klFac should fall while compression climbs fast (${before} -> ${controller.klFac})`);
    // Above the target and steady: klFac falls.
    const high = controller.klFac;
    controller.update({ compression: 40 });
    controller.update({ compression: 40 });
    assert.ok(controller.klFac < high);
  });

  it('accuracy budget: grows while pruning stalls, recovers with klFac 0 at each rung, judges the recovered accuracy', () => {
    const controller = new CompressionController(
      { maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 },
      { startKlFac: 1e-3, growth: 2, rung: 1.5, recoverySteps: 2 },
    );
    const near = (a: number, b: number) => Math.abs(a - b) < 1e-15;
    controller.update({ compression: 1, accuracy: 0.9 });
    assert.ok(near(controller.klFac, 2e-3), 'grows while nothing is pruned');
    controller.update({ compression: 1.3, accuracy: 0.8 });
    assert.ok(near(controller.klFac, 2e-3), 'holds while the compression climbs a rung per recovery window (1.5^(1/2) per step)');
    controller.update({ compression: 1.6, accuracy: 0.8 });
    assert.equal(controller.phase, 'recover', 'a rung (1.5x) reached: recover');
    assert.equal(controller.klFac, 0);
    controller.update({ compression: 1.6, accuracy: 0.85 });
    assert.equal(controller.verdict, null, 'still recovering');
    controller.update({ compression: 1.6, accuracy: 0.895 });
    assert.equal(controller.verdict, 'accepted', 'judged on the later half of the recovery: 0.895 >= 0.9 - 0.01');
    assert.equal(controller.judgedAccuracy, 0.895);
    assert.equal(controller.acceptedCompression, 1.6);
    assert.equal(controller.phase, 'compress');
    assert.ok(near(controller.klFac, 1e-3), 'resumes one step below the klFac that reached the rung');
    assert.equal(controller.referenceAccuracy, 0.9, 'a lower judged accuracy leaves the reference alone');

    // The next rung (2.4x) fails twice: rejected, back to 1.6x with a finer rung.
    controller.update({ compression: 2.5, accuracy: 0.7 });
    assert.equal(controller.phase, 'recover');
    for (let k = 0; k < 2; k++) controller.update({ compression: 2.5, accuracy: 0.87 });
    assert.equal(controller.verdict, null, 'a failed first window gets a second one');
    assert.equal(controller.phase, 'recover');
    controller.update({ compression: 2.5, accuracy: 0.87 });
    controller.update({ compression: 2.5, accuracy: 0.88 });
    assert.equal(controller.verdict, 'rejected');
    assert.equal(controller.phase, 'compress');
    assert.ok(Math.abs(controller.rung - Math.sqrt(1.5)) < 1e-12);
    assert.deepEqual(controller.candidates, [2.5], 'kept for a second judgement after the fine-tune');
    assert.ok(near(controller.klFac, 1e-3), 'restarts a step below the klFac of the accepted state');

    // The caller restored 1.6x; the finer rung (1.96x) is judged and accepted, raising the reference.
    controller.update({ compression: 2, accuracy: 0.7 });
    assert.equal(controller.phase, 'recover');
    controller.update({ compression: 2, accuracy: 0.9 });
    controller.update({ compression: 2, accuracy: 0.91 });
    assert.equal(controller.verdict, 'accepted');
    assert.equal(controller.referenceAccuracy, 0.91, 'held to its best judged accuracy');
    assert.deepEqual(controller.candidates, [2.5], 'still beyond the accepted 2x');

    // A second rejection ends pruning.
    controller.update({ compression: 2.5, accuracy: 0.7 });
    for (let k = 0; k < 4; k++) controller.update({ compression: 2.5, accuracy: 0.85 });
    assert.equal(controller.verdict, 'rejected');
    assert.equal(controller.phase, 'done');
    assert.equal(controller.klFac, 0);
    assert.deepEqual(controller.candidates, [2.5, 2.5]);
    controller.update({ compression: 2.5, accuracy: 0.85 });
    assert.equal(controller.klFac, 0, 'done stays done');

    assert.equal(controller.satisfied({ compression: 4, accuracy: 0.89 }), false);
    assert.equal(controller.score({ compression: 4, accuracy: 0.89 }), -Infinity);
    assert.equal(controller.score({ compression: 4, accuracy: 0.905 }), 4);
    controller.raiseReference(0.9);
    assert.equal(controller.referenceAccuracy, 0.91, 'the reference never falls');
  });

  it('accuracy budget: with maxRejections Infinity the ladder goes on after every rejection, its rung not below 1.1', () => {
    const controller = new CompressionController(
      { maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 },
      { startKlFac: 1e-3, growth: 2, rung: 1.5, recoverySteps: 2, maxRejections: Infinity },
    );
    const rungs: number[] = [];
    for (let rejection = 1; rejection <= 5; rejection++) {
      // Past the rung at once, then two failed recovery windows.
      controller.update({ compression: 10, accuracy: 0.5 });
      assert.equal(controller.phase, 'recover');
      for (let k = 0; k < 4; k++) controller.update({ compression: 10, accuracy: 0.5 });
      assert.equal(controller.verdict, 'rejected', `rejection ${rejection}`);
      assert.equal(controller.phase, 'compress', `pruning goes on after rejection ${rejection}`);
      rungs.push(controller.rung);
    }
    const expected = [Math.sqrt(1.5), Math.sqrt(Math.sqrt(1.5)), 1.1, 1.1, 1.1];
    rungs.forEach((r, i) => assert.ok(Math.abs(r - expected[i]) < 1e-12, `rung ${i}: ${r}`));
    assert.deepEqual(controller.candidates, [10, 10, 10, 10, 10]);
    assert.equal(new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }).maxRejections, 2, 'default: the second rejection ends it');
    assert.throws(() => new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { maxRejections: 0 }), /maxRejections/);
  });

  it('accuracy budget: fixedReference keeps the reference where it was given', () => {
    const run = (fixedReference: boolean) => {
      const controller = new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { rung: 1.5, recoverySteps: 2, fixedReference });
      controller.update({ compression: 2, accuracy: 0.5 });
      for (let k = 0; k < 2; k++) controller.update({ compression: 2, accuracy: 0.95 });
      assert.equal(controller.verdict, 'accepted');
      return controller.referenceAccuracy;
    };
    assert.equal(run(false), 0.95, 'raised to the judged accuracy by default');
    assert.equal(run(true), 0.9, 'fixed');
  });

  it('accuracy budget: accepts a rung at once when even the KL-stage accuracy is within the budget', () => {
    const controller = new CompressionController(
      { maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 },
      { startKlFac: 1e-3, growth: 2, rung: 1.5, recoverySteps: 2 },
    );
    controller.update({ compression: 1, accuracy: 0.9 });
    controller.update({ compression: 1.1, accuracy: 0.895 });
    assert.ok(Math.abs(controller.klFac - 4e-3) < 1e-15, 'grows: 1.1x per step is slower than a rung per window');
    controller.update({ compression: 1.6, accuracy: 0.9 });
    assert.equal(controller.verdict, 'accepted');
    assert.equal(controller.phase, 'compress', 'no recovery');
    assert.equal(controller.judgedAccuracy, 0.8975);
    assert.ok(Math.abs(controller.klFac - 4e-3) < 1e-15, 'klFac unchanged');
    controller.update({ compression: 1.7, accuracy: 0.87 });
    controller.update({ compression: 2.5, accuracy: 0.9 });
    assert.equal(controller.phase, 'recover', 'mean of the last two (0.885) is outside: recover');
  });

  it('accuracy budget: judgeNow recovers and judges whatever the rung, only beyond the accepted state', () => {
    const controller = new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { recoverySteps: 2 });
    controller.judgeNow(1);
    assert.equal(controller.phase, 'compress', 'nothing pruned since the last accepted state: nothing to judge');
    controller.judgeNow(1.2);
    assert.equal(controller.phase, 'recover');
    const target = new CompressionController({ targetCompression: 10 });
    target.judgeNow(5);
    assert.equal(target.phase, 'compress', 'no-op for a compression target');
  });

  it('accuracy budget on a simulated training signal: climbs the ladder to the last rung within budget, for several seeds', () => {
    // Accuracy model: after full recovery the task loses (c / 14)^3 points (1 point at 14x);
    // during the KL stage the noisy, KL-pressed model sits 4 points lower, and
    // a frozen-mask recovery closes a 2-point gap by half each step. Noise: +-0.3 points.
    const recovered = (c: number) => 0.96 - 0.01 * (c / 14) ** 3;
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = random(100 + seed);
      const noise = () => 0.003 * (2 * rand() - 1);
      const run = simulatedRun(seed);
      const controller = new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.96 });
      let compression = 1;
      let kept = { compression: 1, state: run.save() };
      let recoveryStep = 0;
      let duringKl = 0;
      let klWithinBudget = 0;
      for (let step = 0; step < 60 && controller.phase !== 'done'; step++) {
        let accuracy: number;
        if (controller.phase === 'recover') {
          recoveryStep++;
          accuracy = recovered(compression) - 0.02 * 0.5 ** recoveryStep + noise();
        } else {
          recoveryStep = 0;
          compression = run.step(controller.klFac);
          accuracy = recovered(compression) - 0.04 + noise();
          if (compression > 1) {
            duringKl++;
            if (accuracy >= 0.95) klWithinBudget++;
          }
        }
        controller.update({ compression, accuracy });
        if (controller.verdict === 'accepted') kept = { compression, state: run.save() };
        if (controller.verdict === 'rejected') compression = run.restore(kept.state);
      }
      assert.ok(recovered(kept.compression) >= 0.95, `seed ${seed}: kept ${kept.compression.toFixed(1)}x is outside the budget`);
      assert.ok(kept.compression >= 9, `seed ${seed}: kept only ${kept.compression.toFixed(1)}x (the budget allows 14x)`);
      // A rule judging the KL-stage accuracy would have stopped at once.
      assert.ok(duringKl > 0 && klWithinBudget === 0);
    }
  });

  it('accuracy budget on a simulated slow recovery: rejected rungs judged again after the full fine-tune lift the result past 10x', () => {
    // As above, but a frozen-mask recovery closes the gap a step leaves only
    // by 20% per check, and the gap grows with the step (3 points per rung of
    // 1.5x): a large step is still short of the budget after two recovery
    // windows, although the full fine-tune (modelled as closing the gap)
    // brings it within. This is what the pre-trained MNIST route showed.
    const recovered = (c: number) => 0.96 - 0.01 * (c / 14) ** 3;
    let lifted = 0;
    for (const seed of [1, 3, 4, 5]) {
      const rand = random(100 + seed);
      const noise = () => 0.003 * (2 * rand() - 1);
      const run = simulatedRun(seed);
      const controller = new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.96 });
      let compression = 1;
      let kept = { compression: 1, state: run.save() };
      let gap = 0;
      let recoveryStep = 0;
      for (let step = 0; step < 120 && controller.phase !== 'done'; step++) {
        let accuracy: number;
        if (controller.phase === 'recover') {
          recoveryStep++;
          accuracy = recovered(compression) - gap * 0.8 ** recoveryStep + noise();
        } else {
          recoveryStep = 0;
          compression = run.step(controller.klFac);
          gap = (0.03 * Math.log(compression / kept.compression)) / Math.log(1.5);
          accuracy = recovered(compression) - 0.04 + noise();
        }
        controller.update({ compression, accuracy });
        if (controller.verdict === 'accepted') kept = { compression, state: run.save() };
        if (controller.verdict === 'rejected') compression = run.restore(kept.state);
      }
      const candidates = controller.candidates;
      assert.deepEqual(candidates, [...candidates].sort((a, b) => b - a), 'most compressed first');
      assert.ok(candidates.every((c) => c > controller.acceptedCompression));
      // The rule of a second judgement: the first candidate within budget after the full fine-tune, else the accepted state.
      const final = candidates.find((c) => recovered(c) >= 0.95) ?? controller.acceptedCompression;
      assert.ok(recovered(final) >= 0.95, `seed ${seed}: ${final.toFixed(1)}x is outside the budget`);
      if (controller.acceptedCompression < 10 && final >= 10) lifted++;
    }
    // The ladder alone stops below 10x on these seeds; the second judgement reaches 11x to 13x on two of them.
    assert.ok(lifted >= 2, `lifted past 10x on ${lifted} seeds`);
  });

  it('rejects bad targets and settings', () => {
    assert.throws(() => new CompressionController({ targetCompression: 1 }), InvalidArgumentError);
    assert.throws(() => new CompressionController({ targetCompression: Number.NaN }), InvalidArgumentError);
    assert.throws(() => new CompressionController({ maxAccuracyDrop: 1.5, referenceAccuracy: 0.9 }), InvalidArgumentError);
    assert.throws(() => new CompressionController({ targetCompression: 20 }, { growth: 1 }), InvalidArgumentError);
    assert.throws(() => new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { rung: 1 }), InvalidArgumentError);
    assert.throws(() => new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { recoverySteps: 1.5 }), InvalidArgumentError);
    const budget = new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 });
    assert.throws(() => budget.update({ compression: 2 }), InvalidArgumentError);
  });
});

describe('CompressionController with everything pruned', () => {
  it('keeps klFac finite when the compression measures Infinity', () => {
    const controller = new CompressionController({ targetCompression: 20 });
    for (let step = 0; step < 3; step++) controller.update({ compression: Infinity });
    assert.ok(Number.isFinite(controller.klFac) && controller.klFac > 0, `klFac ${controller.klFac}`);
  });
});
