import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { shardOf, takeShard } from '@tfjs-compress/app-kit';
import { appDir, cli, temp, tinySet } from './run-helpers.js';

/** Every file under `dir`, relative, with its bytes. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

/** `features` in a child process; resolves with its exit status (null when killed). */
function features(args: string[], onSpawn?: (kill: () => void) => void): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(appDir, 'src', 'main.ts'), 'features', ...args], { cwd: appDir, stdio: 'ignore' });
    onSpawn?.(() => child.kill('SIGKILL'));
    child.on('close', (status) => resolve(status));
  });
}

describe('features --shard', () => {
  it('takes a deterministic 1/n of the sorted items, from the flag or a job scheduler', () => {
    const items = ['d', 'a', 'c', 'b', 'e'];
    const shards = [0, 1].map((index) => takeShard(items, { index, count: 2 }, (s) => s));
    assert.deepEqual(shards, [['a', 'c', 'e'], ['b', 'd']]);
    assert.deepEqual(shardOf('1/4', undefined, {}), { index: 1, count: 4 });
    assert.deepEqual(shardOf(undefined, 3, { JOB_COMPLETION_INDEX: '2' }), { index: 2, count: 3 });
    assert.deepEqual(shardOf(undefined, undefined, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '4', SLURM_ARRAY_TASK_COUNT: '3' }), { index: 1, count: 3 });
    assert.equal(shardOf(undefined, undefined, {}), null);
    assert.throws(() => shardOf('4/4', undefined, {}), /--shard.*0 <= i < n/);
    assert.throws(() => shardOf(undefined, undefined, { JOB_COMPLETION_INDEX: '0' }), /--shards/);
  });

  it('4 shard processes at once, one killed and rerun, fill the cache file for file as one process does', async () => {
    const flags = ['--data', await tinySet(), '--feature-size', '16', '--pool-grid', '1x1', '--input-size', '24x32', '--frames', '4', '--samplings', '2', '--backend', 'cpu', '--no-progress'];
    const single = join(temp(), 'cache');
    assert.equal(await features([...flags, '--cache-dir', single]), 0);
    const sharded = join(temp(), 'cache');
    // Shard 2 is killed as soon as it has written anything; the others run to the end meanwhile.
    const runs = [0, 1, 2, 3].map((i) =>
      features([...flags, '--cache-dir', sharded, '--shard', `${i}/4`], (kill) => {
        if (i !== 2) return;
        const timer = setInterval(() => {
          const written = (() => {
            try {
              return readdirSync(sharded, { recursive: true }).filter((f) => String(f).endsWith('.f32')).length;
            } catch {
              return 0;
            }
          })();
          if (written > 0) {
            clearInterval(timer);
            kill();
          }
        }, 10);
        setTimeout(() => clearInterval(timer), 60_000).unref();
      }),
    );
    const statuses = await Promise.all(runs);
    assert.deepEqual(statuses.filter((_, i) => i !== 2), [0, 0, 0]);
    const status = cli(['features', ...flags, '--cache-dir', sharded, '--status']);
    assert.equal(status.status, 0, status.stderr);
    assert.equal(statuses[2], null, 'shard 2 was killed');
    assert.match(status.stdout, /[1-9]\d* missing/, 'the killed shard left entries missing');
    assert.equal(await features([...flags, '--cache-dir', sharded, '--shard', '2/4']), 0, 'the killed shard reruns');
    assert.match(cli(['features', ...flags, '--cache-dir', sharded, '--status']).stdout, /0 missing, 0 corrupt \(complete\)/);
    const [a, b] = [files(single), files(sharded)];
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort(), 'the same files');
    for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name)!), `${name}: the same bytes`);
    assert.ok(statSync(single).isDirectory() && a.size > 10);
  });
});
