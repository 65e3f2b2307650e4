import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readmeDefault as readmeDefaultIn } from '@tfjs-compress/testing';
import { TRAIN_DEFAULTS } from '../src/index.js';

const { optimizer, schedule, klSteps, accuracyBudget, targetCompression, fitVIB } = TRAIN_DEFAULTS;

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const readmeDefault = (heading: string, option: string) => readmeDefaultIn(readme, heading, option);

describe('the README states the defaults the code has', () => {
  it('vibCallback', () => {
    const section = '## Options (`VIBCallbackOptions`)';
    assert.equal(Number(readmeDefault(section, 'maxAccuracyDrop')), accuracyBudget.maxAccuracyDrop);
    assert.equal(Number(readmeDefault(section, 'controlsPerEpoch')), schedule.controlsPerEpoch);
    assert.equal(Number(readmeDefault(section, 'fineTuneFinalLrScale')), schedule.fineTuneFinalLrScale);
    assert.equal(Number(readmeDefault(section, 'recoveryFinalLrScale')), schedule.recoveryFinalLrScale);
    assert.equal(Number(readmeDefault(section, 'trainedFraction')), schedule.trainedFraction);
    assert.equal(Number(readmeDefault(section, 'maxCandidates')), schedule.maxCandidates);
  });

  it('the klFac controllers', () => {
    const section = '## The klFac controllers';
    assert.equal(Number(readmeDefault(section, 'startKlFac')), klSteps.startKlFac);
    assert.equal(Number(readmeDefault(section, 'growth')), klSteps.growth);
    assert.equal(Number(readmeDefault(section, 'gain')), targetCompression.gain);
    assert.equal(Number(readmeDefault(section, 'damping')), targetCompression.damping);
    assert.equal(Number(readmeDefault(section, 'tolerance')), targetCompression.tolerance);
    assert.equal(Number(readmeDefault(section, 'rung')), accuracyBudget.rung);
    assert.equal(Number(readmeDefault(section, 'recoverySteps')), accuracyBudget.recoverySteps);
    assert.equal(Number(readmeDefault(section, 'maxRejections')), accuracyBudget.maxRejections);
  });

  it('vibOptimizer and fitVIB', () => {
    assert.equal(Number(readmeDefault('## `vibOptimizer`', 'lr')), optimizer.lr);
    assert.equal(Number(readmeDefault('## `vibOptimizer`', 'ibLr')), optimizer.ibLr);
    assert.equal(Number(readmeDefault('## `fitVIB`', 'epochs')), fitVIB.epochs);
    assert.equal(Number(readmeDefault('## `fitVIB`', 'batchSize')), fitVIB.batchSize);
  });
});
