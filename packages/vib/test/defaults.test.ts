import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readmeDefault as readmeDefaultIn } from '@tfjs-compress/testing';
import { VIB_DEFAULTS } from '../src/index.js';

const { gate, trainer } = VIB_DEFAULTS;

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const readmeDefault = (heading: string, option: string) => readmeDefaultIn(readme, heading, option);

describe('defaults are what the README says', () => {
  it('VIBLayer gates and VIBTrainer', () => {
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'klFac')), gate.klFac);
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'klMult')), gate.klMult);
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'threshold')), gate.threshold);
    assert.equal(Number(readmeDefault('## `VIBTrainer`', 'ibLr')), trainer.ibLr);
    assert.equal(Number(readmeDefault('## `VIBTrainer`', 'lr')), trainer.lr);
  });

  it('VIB_DEFAULTS is frozen all the way down', () => {
    assert.ok(Object.isFrozen(VIB_DEFAULTS));
    for (const group of Object.values(VIB_DEFAULTS)) assert.ok(Object.isFrozen(group));
    assert.throws(() => {
      (gate as { klFac: number }).klFac = 1;
    }, TypeError);
  });
});
