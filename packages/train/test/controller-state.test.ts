import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { AccuracyBudgetLadder, TargetCompressionController, type AccuracyBudgetLadderState } from '../src/index.js';

interface Resumable {
  getState(): unknown;
  setState(state: never): void;
}

/** One thing a training run does to the ladder. */
type LadderStep = { compression: number; accuracy: number } | { judgeNow: number } | { raiseReference: number };

function applyToLadder(ladder: AccuracyBudgetLadder, step: LadderStep): void {
  if ('judgeNow' in step) ladder.judgeNow(step.judgeNow);
  else if ('raiseReference' in step) ladder.raiseReference(step.raiseReference);
  else ladder.update(step);
}

/** What a caller can see of the ladder. */
function observeLadder(ladder: AccuracyBudgetLadder) {
  return {
    klFac: ladder.klFac,
    phase: ladder.phase,
    verdict: ladder.verdict,
    rung: ladder.rung,
    judgedAccuracy: ladder.judgedAccuracy,
    acceptedCompression: ladder.acceptedCompression,
    referenceAccuracy: ladder.referenceAccuracy,
    candidates: ladder.candidates,
    recoveryWindow: ladder.recoveryWindow,
  };
}

/**
 * Runs A through all the steps; for every k, runs B through the first k,
 * sends its state through JSON into a fresh C and runs C through the rest:
 * C must match A exactly (Object.is: NaN and -0 included) right after the
 * restore and after every later step.
 */
function assertResumesExactly<C extends Resumable, S>(make: () => C, steps: S[], apply: (c: C, step: S) => void, observe: (c: C) => unknown): void {
  const a = make();
  const expected = [observe(a)];
  for (const step of steps) {
    apply(a, step);
    expected.push(observe(a));
  }
  for (let k = 0; k <= steps.length; k++) {
    const b = make();
    steps.slice(0, k).forEach((step) => apply(b, step));
    const state = b.getState();
    const json = JSON.parse(JSON.stringify(state)) as unknown;
    assert.deepEqual(json, state, `k=${k}: the state survives JSON unchanged`);
    const c = make();
    c.setState(json as never);
    assert.deepEqual(c.getState(), state, `k=${k}: restored state`);
    assert.deepEqual(observe(c), expected[k], `k=${k}: right after the restore`);
    for (let i = k; i < steps.length; i++) {
      apply(c, steps[i]);
      assert.deepEqual(observe(c), expected[i + 1], `k=${k}: after step ${i + 1}`);
    }
  }
}

const budgetTarget = () => ({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 });
const budgetArgs = { startKlFac: 1e-3, growth: 2, rung: 1.5, recoverySteps: 4 };

describe('controller getState / setState', () => {
  it('target compression: a controller resumed after any step continues exactly like one never stopped', () => {
    const steps = [1, 1, 1.5, 3, 8, 15, 25, 40, 30, 22, 18, Infinity, 1e12, 19, NaN];
    assertResumesExactly(
      () => new TargetCompressionController(20),
      steps,
      (c, compression) => c.update(compression),
      (c) => c.klFac,
    );
  });

  it('accuracy budget: a controller resumed after any step continues exactly like one never stopped (accept, reject, recovery, extension)', () => {
    // Reference 0.9, budget 1 point; a rung is 1.5x, judged on the last 2 of 4 recovery steps.
    const recovery = (compression: number, accuracies: number[]): LadderStep[] => accuracies.map((accuracy) => ({ compression, accuracy }));
    const steps: LadderStep[] = [
      { compression: 1, accuracy: 0.9 }, // grows
      { compression: 1.2, accuracy: 0.895 }, // climbing a rung per window: holds
      { compression: 1.6, accuracy: 0.9 }, // a rung, KL-stage accuracy within budget: accepted at once
      { compression: 1.7, accuracy: 0.85 },
      { compression: 2.5, accuracy: 0.86 }, // a rung, outside the budget: recover
      ...recovery(2.5, [0.88, 0.9, 0.9, 0.92]), // accepted, raises the reference to 0.91
      { compression: 2.6, accuracy: -0 }, // -0 and NaN: values JSON alone would not carry
      { judgeNow: 2.6 },
      ...recovery(2.6, [0.85, 0.86, NaN, 0.87]), // judged NaN: extended
      ...recovery(2.6, [0.88, 0.88, 0.89, 0.89]), // rejected: finer rung, klFac from the accepted state
      { raiseReference: 0.92 },
      { compression: 2.7, accuracy: 0.9 }, // climbing: holds
      { compression: 3.2, accuracy: 0.8 }, // a (finer) rung: recover
      ...recovery(3.2, [0.85, 0.86, 0.86, 0.87]), // extended
      ...recovery(3.2, [0.88, 0.88, 0.89, 0.89]), // second rejection: done
      { compression: 3.2, accuracy: 0.9 },
      { raiseReference: 0.95 },
    ];
    // The sequence does go through every path.
    const check = new AccuracyBudgetLadder(budgetTarget(), budgetArgs);
    const verdicts: string[] = [];
    for (const step of steps) {
      applyToLadder(check, step);
      if ('compression' in step && check.verdict !== null) verdicts.push(check.verdict);
    }
    assert.deepEqual(verdicts, ['accepted', 'accepted', 'rejected', 'rejected']);
    assert.equal(check.phase, 'done');
    assert.deepEqual(check.candidates, [3.2, 2.6]);

    assertResumesExactly(() => new AccuracyBudgetLadder(budgetTarget(), budgetArgs), steps, applyToLadder, observeLadder);
  });

  it('setState rejects a malformed state, naming the field, and leaves the controller as it was', () => {
    const controller = new AccuracyBudgetLadder(budgetTarget(), budgetArgs);
    controller.update({ compression: 1.2, accuracy: 0.9 });
    const good = controller.getState();
    const cases: [string, unknown][] = [
      ['state', null],
      ['state.kind', { ...good, kind: 'TargetCompressionController' }],
      ['state.version', { ...good, version: 2 }],
      ['state.klFac', { ...good, klFac: null }], // what JSON.stringify makes of a raw NaN
      ['state.phase', { ...good, phase: 'paused' }],
      ['state.verdict', { ...good, verdict: 'maybe' }],
      ['state.extended', { ...good, extended: 'no' }],
      ['state.rejections', { ...good, rejections: 1.5 }],
      ['state.accepted.klFac', { ...good, accepted: { compression: 1 } }],
      ['state.klAccuracies[1]', { ...good, klAccuracies: [0.9, '0.8'] }],
      ['state.rejected', { ...good, rejected: undefined }],
      ['state.referenceAccuracy', { ...good, referenceAccuracy: null }],
    ];
    for (const [option, state] of cases) {
      assert.throws(
        () => controller.setState(state as AccuracyBudgetLadderState),
        (error: unknown) => InvalidArgumentError.isInstance(error) && error.option === option && error.message.includes(option),
        option,
      );
      assert.deepEqual(controller.getState(), good, `${option}: unchanged`);
    }
    // A ladder's state does not fit a target controller, and the other way round.
    assert.throws(
      () => new TargetCompressionController(20).setState(good as never),
      (error: unknown) => InvalidArgumentError.isInstance(error) && error.option === 'state.kind',
    );
  });
});
