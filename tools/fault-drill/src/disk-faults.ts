/**
 * Preload (`node --import <this file>`) that makes one file write fail the
 * way a full disk or a read-only folder does, without root or a special file
 * system: `TFJS_COMPRESS_DISK_FAULT=<code>:<n>:<path part>` fails the n-th
 * write (writeFile, appendFile, their sync forms) to a path containing
 * `<path part>` with `code` (ENOSPC, EACCES or EROFS), as node's own error:
 * `code`, `errno`, `syscall`, `path`. Written bytes before the failure are
 * left behind as a real full disk leaves them: the first half of the data.
 * `TFJS_COMPRESS_READ_FAULT=EACCES:<path part>` makes every `open` for
 * reading (fs/promises) of such a path fail as a file of mode 000 does for a
 * user other than root: the one fault root cannot make with chmod.
 * The patched functions replace node:fs's exports, and
 * `syncBuiltinESMExports` makes ES-module imports see them too.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

import { DISK_FAULT_CODES, DISK_FAULT_VARIABLE, READ_FAULT_VARIABLE, type DiskFaultCode as Code } from './disk-fault-codes.js';

function parse(spec: string): { code: Code; at: number; part: string } {
  const match = /^([A-Z]+):(\d+):(.+)$/.exec(spec);
  if (!match || !(match[1] in DISK_FAULT_CODES) || Number(match[2]) < 1) {
    throw new Error(`${DISK_FAULT_VARIABLE} must be <code>:<n>:<path part> with code one of ${Object.keys(DISK_FAULT_CODES).join(', ')} and n >= 1, got '${spec}'`);
  }
  return { code: match[1] as Code, at: Number(match[2]), part: match[3] };
}

/** The error node raises for `code`: `code`, `errno`, `syscall`, `path`. */
function faultError(code: Code, syscall: string, path: string): Error {
  const [errno, text] = DISK_FAULT_CODES[code];
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, errno, syscall, path });
}

const spec = process.env[DISK_FAULT_VARIABLE];
if (spec) {
  const fault = parse(spec);
  let passes = 0;
  const failing = (path: unknown): boolean => typeof path === 'string' && path.includes(fault.part) && ++passes === fault.at;
  const error = (syscall: string, path: string) => faultError(fault.code, syscall, path);
  const half = (data: unknown) => (typeof data === 'string' ? data.slice(0, data.length >> 1) : data instanceof Uint8Array ? data.subarray(0, data.length >> 1) : '');
  const promises = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const sync = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['writeFile', 'appendFile'] as const) {
    const original = promises[name].bind(fs.promises);
    promises[name] = async (path: unknown, data: unknown, ...rest: unknown[]) => {
      if (!failing(path)) return original(path, data, ...rest);
      if (fault.code === 'ENOSPC') await original(path, half(data), ...rest);
      throw error('write', path as string);
    };
    const originalSync = sync[`${name}Sync`].bind(fs);
    sync[`${name}Sync`] = (path: unknown, data: unknown, ...rest: unknown[]) => {
      if (!failing(path)) return originalSync(path, data, ...rest);
      if (fault.code === 'ENOSPC') originalSync(path, half(data), ...rest);
      throw error('write', path as string);
    };
  }
  syncBuiltinESMExports();
}

const readSpec = process.env[READ_FAULT_VARIABLE];
if (readSpec) {
  const match = /^(EACCES):(.+)$/.exec(readSpec);
  if (!match) throw new Error(`${READ_FAULT_VARIABLE} must be EACCES:<path part>, got '${readSpec}'`);
  const part = match[2];
  const promises = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = promises.open.bind(fs.promises);
  promises.open = async (path: unknown, flags: unknown = 'r', ...rest: unknown[]) => {
    const reading = flags === 'r' || flags === undefined || flags === fs.constants.O_RDONLY;
    if (reading && typeof path === 'string' && path.includes(part)) throw faultError('EACCES', 'open', path);
    return original(path, flags, ...rest);
  };
  syncBuiltinESMExports();
}
