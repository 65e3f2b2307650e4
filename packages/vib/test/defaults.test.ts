import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  DEFAULT_BUDGET_EPOCHS,
  DEFAULT_BUDGET_RUNG,
  DEFAULT_CONTROLLER_DAMPING,
  DEFAULT_CONTROLLER_GAIN,
  DEFAULT_CONTROLLER_GROWTH,
  DEFAULT_CONTROLLER_START_KL_FAC,
  DEFAULT_CONTROLS_PER_EPOCH,
  DEFAULT_FINE_TUNE_EPOCHS,
  DEFAULT_FIT_BATCH_SIZE,
  DEFAULT_FIT_EPOCHS,
  DEFAULT_FIT_IB_LR,
  DEFAULT_FIT_KL_FAC,
  DEFAULT_IB_LR,
  DEFAULT_KL_FAC,
  DEFAULT_KL_MULT,
  DEFAULT_LR,
  DEFAULT_MAX_ACCURACY_DROP,
  DEFAULT_RAMP_FRACTION,
  DEFAULT_RECOVERY_STEPS,
  DEFAULT_REJUDGE_REJECTED,
  DEFAULT_TRAINED_FRACTION,
  DEFAULT_MAX_CANDIDATES,
  DEFAULT_MAX_REJECTIONS,
  DEFAULT_TARGET_TOLERANCE,
  DEFAULT_THRESHOLD,
  DEFAULT_WARMUP_FRACTION,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The default column of the first table row whose first cell is `option`, after `heading`. */
function readmeDefault(heading: string, option: string): string {
  const start = readme.indexOf(heading);
  assert.ok(start >= 0, `README has no section '${heading}'`);
  const row = readme
    .slice(start)
    .split('\n')
    .find((line) => line.startsWith(`| \`${option}\` |`));
  assert.ok(row, `README section '${heading}' has no row for ${option}`);
  const cells = row.split('|').map((c) => c.trim());
  return cells[cells.length - 2].replace(/`/g, '');
}

describe('defaults are what the README says', () => {
  it('fitVIB', () => {
    const section = '### Options (`FitVIBOptions`';
    assert.equal(readmeDefault(section, 'epochs'), `${DEFAULT_FIT_EPOCHS} (accuracy budget: ${DEFAULT_BUDGET_EPOCHS})`);
    assert.equal(readmeDefault(section, 'batchSize'), String(DEFAULT_FIT_BATCH_SIZE));
    assert.equal(readmeDefault(section, 'warmupEpochs'), `${DEFAULT_WARMUP_FRACTION} of epochs`);
    assert.equal(readmeDefault(section, 'rampEpochs'), `${DEFAULT_RAMP_FRACTION} of epochs`);
    assert.equal(Number(readmeDefault(section, 'klFac')), DEFAULT_FIT_KL_FAC);
    assert.equal(Number(readmeDefault(section, 'ibLr').split(' ')[0]), DEFAULT_FIT_IB_LR);
    assert.equal(Number(readmeDefault(section, 'lr')), DEFAULT_LR);
    assert.equal(Number(readmeDefault(section, 'maxAccuracyDrop').split(' ')[0]), DEFAULT_MAX_ACCURACY_DROP);
    assert.equal(readmeDefault(section, 'fineTuneEpochs'), String(DEFAULT_FINE_TUNE_EPOCHS));
    assert.equal(readmeDefault(section, 'controlsPerEpoch'), String(DEFAULT_CONTROLS_PER_EPOCH));
    assert.equal(readmeDefault(section, 'rejudgeRejected'), String(DEFAULT_REJUDGE_REJECTED));
    assert.equal(Number(readmeDefault(section, 'trainedFraction')), DEFAULT_TRAINED_FRACTION);
    assert.equal(Number(readmeDefault(section, 'maxCandidates')), DEFAULT_MAX_CANDIDATES);
  });

  it('the compression controller', () => {
    const section = '### `CompressionController`';
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
