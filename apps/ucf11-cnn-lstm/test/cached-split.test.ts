import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, temp, tinySet } from './run-helpers.js';

/** Feature entries in a cache directory. */
const entries = (dir: string) => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.f32')).length;

describe('train on a shared feature cache', () => {
  it('refuses a cache the shards did not finish, trains without those clips when told to skip, and extracts nothing once it is complete', async () => {
    const data = ['--data', await tinySet(), '--feature-size', '16', '--pool-grid', '1x1', '--input-size', '24x32', '--frames', '4', '--samplings', '2', '--backend', 'cpu', '--no-progress'];
    const training = ['--units', '8', '--batch', '4', '--epochs', '2', '--warmup-epochs', '1', '--ramp-epochs', '1', '--fine-tune-epochs', '0', '--policy', 'fixed', '--test-fraction', '0.25'];
    const cache = join(temp(), 'cache');
    const half = cli(['features', ...data, '--cache-dir', cache, '--shard', '0/2']);
    assert.equal(half.status, 0, half.stderr);
    const halfEntries = entries(cache);

    const refused = cli(['train', ...data, ...training, '--cache-dir', cache, '--out', join(temp(), 'run')]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /feature cache .*cache lacks entries of \d+ of 12 clips \(\d+ missing; first: .*\)/);
    assert.match(refused.stderr, /--missing-features extract.*--missing-features skip/);
    assert.equal(entries(cache), halfEntries, 'nothing extracted by a refused run');

    const skipOut = join(temp(), 'run');
    const skipped = cli(['train', ...data, ...training, '--cache-dir', cache, '--missing-features', 'skip', '--out', skipOut]);
    assert.equal(skipped.status, 0, skipped.stderr);
    assert.match(skipped.stdout, /skipping them \(--missing-features skip\): (\d+) training and (\d+) test clips left/);
    const [, trainLeft, testLeft] = /(\d+) training and (\d+) test clips left/.exec(skipped.stdout)!.map(Number);
    assert.ok(trainLeft + testLeft < 12 && trainLeft > 0, `${trainLeft} + ${testLeft} of 12 clips kept`);
    const run = JSON.parse(readFileSync(join(skipOut, 'run.json'), 'utf8')) as { train: unknown[]; test: unknown[] };
    assert.equal(run.train.length + run.test.length, trainLeft + testLeft, 'the run records only the complete clips');
    assert.equal(entries(cache), halfEntries, 'skip extracts nothing');

    assert.equal(cli(['features', ...data, '--cache-dir', cache, '--shard', '1/2']).status, 0);
    const complete = entries(cache);
    const full = cli(['train', ...data, ...training, '--cache-dir', cache, '--out', join(temp(), 'run')]);
    assert.equal(full.status, 0, full.stderr);
    assert.doesNotMatch(full.stdout, /extracted|skipping/);
    assert.equal(entries(cache), complete, 'a complete cache is only read');
  });
});
