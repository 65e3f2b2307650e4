import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readmeDefault as readmeDefaultIn } from '@tfjs-compress/testing';
import { DEFAULT_LR } from '@tfjs-compress/vib';
import {
  DEFAULT_BUDGET_RUNG,
  DEFAULT_CONTROLLER_DAMPING,
  DEFAULT_CONTROLLER_GAIN,
  DEFAULT_CONTROLLER_GROWTH,
  DEFAULT_CONTROLLER_START_KL_FAC,
  DEFAULT_MAX_REJECTIONS,
  DEFAULT_RECOVERY_STEPS,
  DEFAULT_TARGET_TOLERANCE,
  DEFAULT_CONTROLS_PER_EPOCH,
  DEFAULT_FINE_TUNE_FINAL_LR_SCALE,
  DEFAULT_FIT_BATCH_SIZE,
  DEFAULT_FIT_EPOCHS,
  DEFAULT_IB_LR,
  DEFAULT_MAX_ACCURACY_DROP,
  DEFAULT_MAX_CANDIDATES,
  DEFAULT_RECOVERY_FINAL_LR_SCALE,
  DEFAULT_TRAINED_FRACTION,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const readmeDefault = (heading: string, option: string) => readmeDefaultIn(readme, heading, option);

describe('the README states the defaults the code has', () => {
  it('vibCallback', () => {
    const section = '## Options (`VIBCallbackOptions`)';
    assert.equal(Number(readmeDefault(section, 'maxAccuracyDrop')), DEFAULT_MAX_ACCURACY_DROP);
    assert.equal(Number(readmeDefault(section, 'controlsPerEpoch')), DEFAULT_CONTROLS_PER_EPOCH);
    assert.equal(Number(readmeDefault(section, 'fineTuneFinalLrScale')), DEFAULT_FINE_TUNE_FINAL_LR_SCALE);
    assert.equal(Number(readmeDefault(section, 'recoveryFinalLrScale')), DEFAULT_RECOVERY_FINAL_LR_SCALE);
    assert.equal(Number(readmeDefault(section, 'trainedFraction')), DEFAULT_TRAINED_FRACTION);
    assert.equal(Number(readmeDefault(section, 'maxCandidates')), DEFAULT_MAX_CANDIDATES);
  });

  it('the klFac controllers', () => {
    const section = '## The klFac controllers';
    assert.equal(Number(readmeDefault(section, 'startKlFac')), DEFAULT_CONTROLLER_START_KL_FAC);
    assert.equal(Number(readmeDefault(section, 'growth')), DEFAULT_CONTROLLER_GROWTH);
    assert.equal(Number(readmeDefault(section, 'gain')), DEFAULT_CONTROLLER_GAIN);
    assert.equal(Number(readmeDefault(section, 'damping')), DEFAULT_CONTROLLER_DAMPING);
    assert.equal(Number(readmeDefault(section, 'tolerance')), DEFAULT_TARGET_TOLERANCE);
    assert.equal(Number(readmeDefault(section, 'rung')), DEFAULT_BUDGET_RUNG);
    assert.equal(Number(readmeDefault(section, 'recoverySteps')), DEFAULT_RECOVERY_STEPS);
    assert.equal(Number(readmeDefault(section, 'maxRejections')), DEFAULT_MAX_REJECTIONS);
  });

  it('vibOptimizer and fitVIB', () => {
    assert.equal(Number(readmeDefault('## `vibOptimizer`', 'lr')), DEFAULT_LR);
    assert.equal(Number(readmeDefault('## `vibOptimizer`', 'ibLr')), DEFAULT_IB_LR);
    assert.equal(Number(readmeDefault('## `fitVIB`', 'epochs')), DEFAULT_FIT_EPOCHS);
    assert.equal(Number(readmeDefault('## `fitVIB`', 'batchSize')), DEFAULT_FIT_BATCH_SIZE);
  });
});
