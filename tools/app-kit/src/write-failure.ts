/** What a failed write means to the user, from the error's code. */
const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'no permission to write there',
  EPERM: 'no permission to write there',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error of the disk',
};

/**
 * An error for a write to `path` that failed with `cause`, saying why in
 * words, the code, and what is still intact (`kept`), with the original
 * error as `cause`.
 */
export function writeFailure(what: string, path: string, cause: unknown, kept: string): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' && code in REASONS ? `${REASONS[code]} (${code})` : cause instanceof Error ? cause.message : String(cause);
  return Object.assign(new Error(`writing ${what} ${path} failed: ${reason}. ${kept}`), { cause, code });
}

/** Whether `error` is a failed write the disk or the folder caused (a code `writeFailure` explains). */
export function isWriteError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code in REASONS;
}
