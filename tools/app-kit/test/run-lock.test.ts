import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '@tfjs-compress/testing';
import { LOCK_FILE, acquireRunLock } from '../src/index.js';

describe('acquireRunLock', () => {
  it('refuses a second trainer while the first holds the directory, naming it; released, the directory is free again', async () => {
    const dir = tempDir('app-kit-lock-');
    const first = await acquireRunLock(dir);
    assert.equal(first.takenOverFrom, null);
    await assert.rejects(acquireRunLock(dir), new RegExp(`in use: process ${process.pid} has been training in it`));
    await first.release();
    assert.ok(!existsSync(join(dir, LOCK_FILE)));
    const again = await acquireRunLock(dir);
    await again.release();
  });

  it('takes over the lock of a process that no longer runs (a killed train)', async () => {
    const dir = tempDir('app-kit-lock-');
    // A pid that certainly ran and is gone: a child that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const lock = await acquireRunLock(dir);
    assert.equal(lock.takenOverFrom?.pid, gone);
    await assert.rejects(acquireRunLock(dir), /in use/, 'the new holder is protected in turn');
    await lock.release();
  });
});
