import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, seededRandom } from '@tfjs-compress/common';
import { AccuracyBudgetLadder } from '../src/index.js';
import { climbLadder, simulatedRun } from './simulated-pruning.js';

/** Deterministic generator for the simulated training run. */
const random = seededRandom;

describe('AccuracyBudgetLadder', () => {
  it('grows while pruning stalls, recovers with klFac 0 at each rung, judges the recovered accuracy', () => {
    const controller = new AccuracyBudgetLadder(
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
    assert.deepEqual(controller.recoveryWindow, { done: 0, steps: 2 });
    for (let k = 0; k < 2; k++) controller.update({ compression: 2.5, accuracy: 0.885 });
    assert.equal(controller.verdict, null, 'a first window that missed by at most one more budget gets a second one');
    assert.equal(controller.phase, 'recover');
    controller.update({ compression: 2.5, accuracy: 0.885 });
    assert.deepEqual(controller.recoveryWindow, { done: 1, steps: 2 });
    controller.update({ compression: 2.5, accuracy: 0.88 });
    assert.equal(controller.verdict, 'rejected');
    assert.equal(controller.phase, 'compress');
    assert.ok(Math.abs(controller.rung - Math.sqrt(1.5)) < 1e-12);
    assert.deepEqual(controller.candidates, [2.5], 'kept for a second judgement after the fine-tune');
    assert.ok(near(controller.klFac, 1e-3), 'restarts a step below the klFac of the accepted state');

    // The caller restored 1.6x; the finer rung (1.96x) is judged and accepted,
    // raising the reference. Within the budget after the first half of the
    // window, it still waits for the later half: that is what raises a rising reference.
    controller.update({ compression: 2, accuracy: 0.7 });
    assert.equal(controller.phase, 'recover');
    controller.update({ compression: 2, accuracy: 0.9 });
    assert.equal(controller.verdict, null);
    controller.update({ compression: 2, accuracy: 0.91 });
    assert.equal(controller.verdict, 'accepted');
    assert.equal(controller.recoveryWindow, null);
    assert.equal(controller.referenceAccuracy, 0.91, 'held to its best judged accuracy');
    assert.deepEqual(controller.candidates, [2.5], 'still beyond the accepted 2x');

    // A second rejection ends pruning: 0.85 misses by more than two budgets, so no second window.
    controller.update({ compression: 2.5, accuracy: 0.7 });
    for (let k = 0; k < 2; k++) controller.update({ compression: 2.5, accuracy: 0.85 });
    assert.equal(controller.verdict, 'rejected');
    assert.equal(controller.phase, 'done');
    assert.equal(controller.klFac, 0);
    assert.deepEqual(controller.candidates, [2.5, 2.5]);
    controller.update({ compression: 2.5, accuracy: 0.85 });
    assert.equal(controller.klFac, 0, 'done stays done');

    assert.equal(controller.within(0.89), false);
    assert.equal(controller.within(0.905), true);
    controller.raiseReference(0.9);
    assert.equal(controller.referenceAccuracy, 0.91, 'the reference never falls');
  });

  it('with maxRejections Infinity the ladder goes on after every rejection, its rung not below 1.1', () => {
    const controller = new AccuracyBudgetLadder(
      { maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 },
      { startKlFac: 1e-3, growth: 2, rung: 1.5, recoverySteps: 2, maxRejections: Infinity },
    );
    const rungs: number[] = [];
    for (let rejection = 1; rejection <= 5; rejection++) {
      // Past the rung at once, then two failed recovery windows.
      controller.update({ compression: 10, accuracy: 0.5 });
      assert.equal(controller.phase, 'recover');
      for (let k = 0; k < 2; k++) controller.update({ compression: 10, accuracy: 0.5 });
      assert.equal(controller.verdict, 'rejected', `rejection ${rejection}`);
      assert.equal(controller.phase, 'compress', `pruning goes on after rejection ${rejection}`);
      rungs.push(controller.rung);
    }
    const expected = [Math.sqrt(1.5), Math.sqrt(Math.sqrt(1.5)), 1.1, 1.1, 1.1];
    rungs.forEach((r, i) => assert.ok(Math.abs(r - expected[i]) < 1e-12, `rung ${i}: ${r}`));
    assert.deepEqual(controller.candidates, [10, 10, 10, 10, 10]);
    assert.equal(new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }).maxRejections, 2, 'default: the second rejection ends it');
    assert.throws(() => new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { maxRejections: 0 }), /maxRejections/);
  });

  it('fixedReference keeps the reference where it was given', () => {
    const run = (fixedReference: boolean) => {
      const controller = new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { rung: 1.5, recoverySteps: 2, fixedReference });
      controller.update({ compression: 2, accuracy: 0.5 });
      controller.update({ compression: 2, accuracy: 0.95 });
      if (!fixedReference) controller.update({ compression: 2, accuracy: 0.95 });
      assert.equal(controller.verdict, 'accepted');
      return controller.referenceAccuracy;
    };
    assert.equal(run(false), 0.95, 'raised to the judged accuracy by default');
    assert.equal(run(true), 0.9, 'fixed');
  });

  it('accepts a rung at once when even the KL-stage accuracy is within the budget', () => {
    const controller = new AccuracyBudgetLadder(
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

  it('judgeNow recovers and judges whatever the rung, only beyond the accepted state', () => {
    const controller = new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { recoverySteps: 2 });
    controller.judgeNow(1);
    assert.equal(controller.phase, 'compress', 'nothing pruned since the last accepted state: nothing to judge');
    controller.judgeNow(1.2);
    assert.equal(controller.phase, 'recover');
  });

  it('a window of 4 accepts after its first half when that is within a fixed budget, judges its last half otherwise', () => {
    const start = (fixedReference = true) => {
      const controller = new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { recoverySteps: 4, fixedReference });
      controller.update({ compression: 2, accuracy: 0.5 });
      assert.equal(controller.phase, 'recover');
      return controller;
    };
    const early = start();
    early.update({ compression: 2, accuracy: 0.885 });
    assert.equal(early.verdict, null, 'one step is not half the window');
    early.update({ compression: 2, accuracy: 0.9 });
    assert.equal(early.verdict, 'accepted', 'mean of the first half 0.8925 >= 0.89');
    assert.ok(Math.abs(early.judgedAccuracy! - 0.8925) < 1e-12);

    const rising = start(false);
    for (const accuracy of [0.885, 0.9]) rising.update({ compression: 2, accuracy });
    assert.equal(rising.verdict, null, 'a rising reference waits for the later half');
    for (const accuracy of [0.92, 0.93]) rising.update({ compression: 2, accuracy });
    assert.equal(rising.verdict, 'accepted');
    assert.equal(rising.referenceAccuracy, 0.925, 'raised by the later half');

    const late = start();
    for (const accuracy of [0.85, 0.87]) late.update({ compression: 2, accuracy });
    assert.equal(late.verdict, null, 'first half 0.86: judged at the end of the window');
    assert.deepEqual(late.recoveryWindow, { done: 2, steps: 4 });
    for (const accuracy of [0.88, 0.9]) late.update({ compression: 2, accuracy });
    assert.equal(late.verdict, 'accepted', 'last half 0.89');
    assert.ok(Math.abs(late.judgedAccuracy! - 0.89) < 1e-12);

    const far = start();
    for (const accuracy of [0.85, 0.86, 0.87, 0.87]) far.update({ compression: 2, accuracy });
    assert.equal(far.verdict, 'rejected', 'last half 0.87: two points under the budget, no second window');
    assert.deepEqual(far.candidates, [2]);
  });

  it('on a simulated training signal: climbs the ladder to the last rung within budget, for several seeds', () => {
    // Accuracy model: after full recovery the task loses (c / 14)^3 points (1 point at 14x);
    // during the KL stage the noisy, KL-pressed model sits 4 points lower, and
    // a frozen-mask recovery closes a 2-point gap by half each step. Noise: +-0.3 points.
    const recovered = (c: number) => 0.96 - 0.01 * (c / 14) ** 3;
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = random(100 + seed);
      const noise = () => 0.003 * (2 * rand() - 1);
      const controller = new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.96 });
      let duringKl = 0;
      let klWithinBudget = 0;
      const keptCompression = climbLadder(controller, simulatedRun(seed), {
        recovering: (c, step) => recovered(c) - 0.02 * 0.5 ** step + noise(),
        compressing: (c) => {
          const accuracy = recovered(c) - 0.04 + noise();
          if (c > 1) {
            duringKl++;
            if (accuracy >= 0.95) klWithinBudget++;
          }
          return accuracy;
        },
      }, 60);
      assert.ok(recovered(keptCompression) >= 0.95, `seed ${seed}: kept ${keptCompression.toFixed(1)}x is outside the budget`);
      assert.ok(keptCompression >= 9, `seed ${seed}: kept only ${keptCompression.toFixed(1)}x (the budget allows 14x)`);
      // A rule judging the KL-stage accuracy would have stopped at once.
      assert.ok(duringKl > 0 && klWithinBudget === 0);
    }
  });

  it('on a simulated slow recovery: rejected rungs judged again after the full fine-tune lift the result past 10x', () => {
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
      const controller = new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.96 });
      let gap = 0;
      climbLadder(controller, simulatedRun(seed), {
        recovering: (c, step) => recovered(c) - gap * 0.8 ** step + noise(),
        compressing: (c, kept) => {
          gap = (0.03 * Math.log(c / kept)) / Math.log(1.5);
          return recovered(c) - 0.04 + noise();
        },
      }, 120);
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

  it('rejects bad budgets and settings', () => {
    assert.throws(() => new AccuracyBudgetLadder({ maxAccuracyDrop: 1.5, referenceAccuracy: 0.9 }), InvalidArgumentError);
    assert.throws(() => new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { rung: 1 }), InvalidArgumentError);
    assert.throws(() => new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { recoverySteps: 1.5 }), InvalidArgumentError);
    assert.throws(() => new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { growth: 1 }), /growth/);
    const budget = new AccuracyBudgetLadder({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 });
    assert.throws(() => budget.update({ compression: 2 } as never), InvalidArgumentError);
  });
});
