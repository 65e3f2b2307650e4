import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const source = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'kill-points.ts');

/** Passes `vib-batch` five times, printing each pass, in a child process with the given TFJS_COMPRESS_KILL_AT. */
function passFive(killAt: string | undefined) {
  const script = `import { killPoint } from ${JSON.stringify(source)}; for (let i = 1; i <= 5; i++) { killPoint('shrink'); killPoint('vib-batch'); console.log(i); }`;
  const env = { ...process.env };
  delete env.TFJS_COMPRESS_KILL_AT;
  if (killAt !== undefined) env.TFJS_COMPRESS_KILL_AT = killAt;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env });
}

describe('kill points', () => {
  it('kill the process with SIGKILL at the armed pass of the armed point only', () => {
    const killed = passFive('vib-batch:3');
    assert.equal(killed.signal, 'SIGKILL');
    assert.deepEqual(killed.stdout.trim().split('\n'), ['1', '2'], 'dies during the third pass, before printing it');
    const unarmed = passFive(undefined);
    assert.equal(unarmed.status, 0);
    assert.deepEqual(unarmed.stdout.trim().split('\n'), ['1', '2', '3', '4', '5']);
    assert.equal(passFive('vib-batch:9').status, 0, 'a pass never reached kills nothing');
  });

  it('refuse a malformed TFJS_COMPRESS_KILL_AT, naming the points', () => {
    for (const bad of ['vib-batch', 'nowhere:1', 'vib-batch:0']) {
      const run = passFive(bad);
      assert.notEqual(run.status, 0, bad);
      assert.match(run.stderr, new RegExp(`TFJS_COMPRESS_KILL_AT must be <point>:<n> .*vib-batch.*got '${bad}'`), bad);
    }
  });
});
