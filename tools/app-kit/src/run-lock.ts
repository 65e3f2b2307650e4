import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-files.js';

/** The lock file in a run directory while a process trains in it. */
export const LOCK_FILE = 'train.lock';

interface LockRecord {
  pid: number;
  host: string;
  started: string;
}

/** Whether process `pid` on this host still runs (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunLock {
  /** Removes the lock (idempotent). */
  release(): Promise<void>;
  /** Set when the lock was left by a process that no longer runs, and taken over. */
  takenOverFrom: LockRecord | null;
}

/**
 * Claims `dir` for one training process: a second `train` into it fails at
 * once, naming the process that holds it, instead of both writing the same
 * checkpoints. A lock whose process no longer runs (killed, crashed) is
 * taken over. The lock is created with O_EXCL, so two processes that start
 * together cannot both take a free directory.
 */
export async function acquireRunLock(dir: string): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const record: LockRecord = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  let takenOverFrom: LockRecord | null = null;
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(JSON.stringify(record));
    await handle.close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as Partial<LockRecord>;
    const sameHost = holder.host == null || holder.host === record.host;
    if (holder.pid != null && (!sameHost || alive(holder.pid))) {
      const where = sameHost ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
      throw new Error(`${dir} is in use: ${where} has been training in it since ${holder.started ?? '?'}. Wait for it, or train into another --out (remove ${path} only if that process is gone).`);
    }
    takenOverFrom = { pid: holder.pid ?? -1, host: holder.host ?? record.host, started: holder.started ?? '?' };
    await writeFileAtomic(path, JSON.stringify(record));
  }
  let released = false;
  return {
    takenOverFrom,
    async release() {
      if (released) return;
      released = true;
      await rm(path, { force: true });
    },
  };
}
