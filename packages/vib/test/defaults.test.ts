import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readmeDefault as readmeDefaultIn } from '@tfjs-compress/testing';
import {
  DEFAULT_BUDGET_RUNG,
  DEFAULT_CONTROLLER_DAMPING,
  DEFAULT_CONTROLLER_GAIN,
  DEFAULT_CONTROLLER_GROWTH,
  DEFAULT_CONTROLLER_START_KL_FAC,
  DEFAULT_IB_LR,
  DEFAULT_KL_FAC,
  DEFAULT_KL_MULT,
  DEFAULT_LR,
  DEFAULT_RECOVERY_STEPS,
  DEFAULT_MAX_REJECTIONS,
  DEFAULT_TARGET_TOLERANCE,
  DEFAULT_THRESHOLD,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const readmeDefault = (heading: string, option: string) => readmeDefaultIn(readme, heading, option);

describe('defaults are what the README says', () => {
  it('the compression controller', () => {
    const section = '## `CompressionController`';
    assert.equal(Number(readmeDefault(section, 'startKlFac')), DEFAULT_CONTROLLER_START_KL_FAC);
    assert.equal(Number(readmeDefault(section, 'growth')), DEFAULT_CONTROLLER_GROWTH);
    assert.equal(Number(readmeDefault(section, 'gain')), DEFAULT_CONTROLLER_GAIN);
    assert.equal(Number(readmeDefault(section, 'damping')), DEFAULT_CONTROLLER_DAMPING);
    assert.equal(Number(readmeDefault(section, 'tolerance')), DEFAULT_TARGET_TOLERANCE);
    assert.equal(Number(readmeDefault(section, 'rung')), DEFAULT_BUDGET_RUNG);
    assert.equal(Number(readmeDefault(section, 'recoverySteps')), DEFAULT_RECOVERY_STEPS);
    assert.equal(Number(readmeDefault(section, 'maxRejections')), DEFAULT_MAX_REJECTIONS);
  });

  it('VIBLayer gates and VIBTrainer', () => {
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'klFac')), DEFAULT_KL_FAC);
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'klMult')), DEFAULT_KL_MULT);
    assert.equal(Number(readmeDefault('## Options (`VIBLayerArgs`', 'threshold')), DEFAULT_THRESHOLD);
    assert.equal(Number(readmeDefault('## `VIBTrainer`', 'ibLr')), DEFAULT_IB_LR);
    assert.equal(Number(readmeDefault('## `VIBTrainer`', 'lr')), DEFAULT_LR);
  });
});
