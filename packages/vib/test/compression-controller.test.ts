import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CompressionController,
  DEFAULT_CONTROLLER_GROWTH,
  DEFAULT_CONTROLLER_START_KL_FAC,
  InvalidArgumentError,
  recurrentParams,
} from '../src/index.js';

/** Deterministic generator for the simulated training run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
  return {
    step(klFac: number): number {
      const evolve = (isOpen: boolean[], imp: number[]) =>
        isOpen.forEach((o, k) => {
          if (o && imp[k] < klFac && rand() < 0.4) isOpen[k] = false;
        });
      evolve(open, importance);
      evolve(inputOpen, inputImportance);
      const keptUnits = open.filter(Boolean).length;
      const keptInputs = inputOpen.filter(Boolean).length;
      return before / Math.max(1, recurrentParams(4, keptInputs, keptUnits));
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

  it('accuracy budget: grows within half the budget, holds inside it, pauses (klFac 0) beyond it until recovered', () => {
    const controller = new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 }, { startKlFac: 1e-3, growth: 2 });
    controller.update({ compression: 2, accuracy: 0.898 });
    assert.ok(Math.abs(controller.klFac - 2e-3) < 1e-15, 'grows');
    controller.update({ compression: 3, accuracy: 0.892 });
    assert.ok(Math.abs(controller.klFac - 2e-3) < 1e-15, 'holds');
    controller.update({ compression: 4, accuracy: 0.88 });
    assert.equal(controller.klFac, 0, 'pauses beyond the budget');
    controller.update({ compression: 4, accuracy: 0.893 });
    assert.equal(controller.klFac, 0, 'stays paused until back within half the budget');
    controller.update({ compression: 4, accuracy: 0.897 });
    assert.ok(Math.abs(controller.klFac - 1e-3) < 1e-15, 'resumes one step below the klFac that overshot');
    assert.equal(controller.satisfied({ compression: 4, accuracy: 0.88 }), false);
    assert.equal(controller.score({ compression: 4, accuracy: 0.88 }), -Infinity);
    assert.equal(controller.score({ compression: 4, accuracy: 0.895 }), 4);
    controller.raiseReference(0.95);
    assert.equal(controller.referenceAccuracy, 0.95);
    controller.raiseReference(0.9);
    assert.equal(controller.referenceAccuracy, 0.95, 'the reference never falls');
  });

  it('rejects bad targets and settings', () => {
    assert.throws(() => new CompressionController({ targetCompression: 1 }), InvalidArgumentError);
    assert.throws(() => new CompressionController({ targetCompression: Number.NaN }), InvalidArgumentError);
    assert.throws(() => new CompressionController({ maxAccuracyDrop: 1.5, referenceAccuracy: 0.9 }), InvalidArgumentError);
    assert.throws(() => new CompressionController({ targetCompression: 20 }, { growth: 1 }), InvalidArgumentError);
    const budget = new CompressionController({ maxAccuracyDrop: 0.01, referenceAccuracy: 0.9 });
    assert.throws(() => budget.update({ compression: 2 }), InvalidArgumentError);
  });
});
