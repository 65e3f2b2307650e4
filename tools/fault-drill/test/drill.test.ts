import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { tempDir } from '@tfjs-compress/testing';
import { runDrill } from '../src/drill.js';
import { CNN_LSTM_FAULTS, DEFAULT_FAULTS } from '../src/faults.js';

describe('fault drill', () => {
  it('kills train with SIGKILL at every point, resumes, and loses nothing against an uninterrupted run', async () => {
    const lines: string[] = [];
    const report = await runDrill({ work: join(tempDir('fault-drill-'), 'work'), log: (l) => lines.push(l) });
    const failed = report.faults.filter((f) => !f.injected || !f.resumed || f.differences.length > 0);
    assert.deepEqual(failed, [], lines.join('\n'));
    assert.equal(report.injected, DEFAULT_FAULTS.length);
    assert.equal(report.survived, DEFAULT_FAULTS.length);
    assert.equal(report.lost, 0);
  });

  it('the CNN-LSTM app: killed and out of disk space while extracting features, killed while training, resumes and loses nothing', async () => {
    const lines: string[] = [];
    const report = await runDrill({ app: 'ucf11-cnn-lstm', work: join(tempDir('fault-drill-cnn-'), 'work'), log: (l) => lines.push(l) });
    const failed = report.faults.filter((f) => !f.injected || !f.resumed || f.differences.length > 0);
    assert.deepEqual(failed, [], lines.join('\n'));
    assert.equal(report.survived, CNN_LSTM_FAULTS.length);
  });
});
