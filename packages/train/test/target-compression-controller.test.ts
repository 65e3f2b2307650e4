import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@tfjs-compress/common';
import { TRAIN_DEFAULTS, TargetCompressionController } from '../src/index.js';

const { startKlFac, growth } = TRAIN_DEFAULTS.klSteps;
import { simulatedRun } from './simulated-pruning.js';

describe('TargetCompressionController', () => {
  it('reaches a 20x target within 20% on a simulated training signal, for several seeds', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const run = simulatedRun(seed);
      const controller = new TargetCompressionController(20);
      let compression = 1;
      let best = { score: -Infinity, compression: 1 };
      for (let step = 0; step < 80; step++) {
        compression = run.step(controller.klFac);
        const score = controller.score(compression);
        if (score > best.score) best = { score, compression };
        controller.update(compression);
      }
      assert.ok(Math.abs(best.compression / 20 - 1) <= 0.2, `seed ${seed}: best state ${best.compression.toFixed(1)}x`);
      assert.ok(Math.abs(compression / 20 - 1) <= 0.2, `seed ${seed}: final state ${compression.toFixed(1)}x`);
    }
  });

  it('grows klFac geometrically from its start while far below the target, then brakes', () => {
    const controller = new TargetCompressionController(20);
    assert.equal(controller.klFac, startKlFac);
    controller.update(1);
    assert.ok(Math.abs(controller.klFac / (startKlFac * growth) - 1) < 1e-12);
    // Compression jumped from 1x to 15x in one step: the damping term pulls klFac back down.
    const before = controller.klFac;
    controller.update(15);
    assert.ok(controller.klFac < before, `klFac should fall while compression climbs fast (${before} -> ${controller.klFac})`);
    // Above the target and steady: klFac falls.
    const high = controller.klFac;
    controller.update(40);
    controller.update(40);
    assert.ok(controller.klFac < high);
  });

  it('keeps klFac finite when the compression measures Infinity', () => {
    const controller = new TargetCompressionController(20);
    for (let step = 0; step < 3; step++) controller.update(Infinity);
    assert.ok(Number.isFinite(controller.klFac) && controller.klFac > 0, `klFac ${controller.klFac}`);
  });

  it('rejects bad targets and settings', () => {
    assert.throws(() => new TargetCompressionController(1), InvalidArgumentError);
    assert.throws(() => new TargetCompressionController(Number.NaN), InvalidArgumentError);
    assert.throws(() => new TargetCompressionController(20, { growth: 1 }), /growth/);
    assert.throws(() => new TargetCompressionController(20, { startKlFac: 0 }), /startKlFac/);
    assert.throws(() => new TargetCompressionController(20, { damping: -1 }), /damping/);
  });
});
