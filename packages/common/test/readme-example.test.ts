import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

it("the README's example runs as written and prints what its comment says", () => {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(code, 'README has a ts example');
  // Inside the package, so '@tfjs-compress/common' resolves as it does for a user.
  const file = join(packageDir, `readme-example-${process.pid}.ts`);
  writeFileSync(file, code);
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: packageDir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [batches, error] = run.stdout.trim().split('\n').slice(-2);
    assert.match(batches, /^\[ \[ '\w', '\w' \], \[ '\w', '\w' \], \[ '\w' \] \]$/);
    assert.equal(error, 'batchSize -> Invalid batchSize: got 0, expected a positive integer.');
  } finally {
    rmSync(file, { force: true });
  }
});
