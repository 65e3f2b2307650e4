import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readmeDefault as readmeDefaultIn } from '@tfjs-compress/testing';
import {
  DEFAULT_IB_LR,
  DEFAULT_KL_FAC,
  DEFAULT_KL_MULT,
  DEFAULT_LR,
  DEFAULT_THRESHOLD,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const readmeDefault = (heading: string, option: string) => readmeDefaultIn(readme, heading, option);

describe('defaults are what the README says', () => {
  it('VIBLayer gates and VIBTrainer', () => {
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'klFac')), DEFAULT_KL_FAC);
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'klMult')), DEFAULT_KL_MULT);
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'threshold')), DEFAULT_THRESHOLD);
    assert.equal(Number(readmeDefault('## `VIBTrainer`', 'ibLr')), DEFAULT_IB_LR);
    assert.equal(Number(readmeDefault('## `VIBTrainer`', 'lr')), DEFAULT_LR);
  });
});
