/**
 * Named places where the fault drill (tools/fault-drill) kills a training
 * process with SIGKILL: a real kill, no handler runs, exactly what a crash,
 * an OOM killer or a pulled plug does. Armed only by the environment variable
 * `TFJS_COMPRESS_KILL_AT=<point>:<n>` (the n-th time the process passes
 * `point`); unset, a pass costs one comparison. The same idea as
 * failpoints in databases: the drill can hit windows (between two renames, a
 * half-filled checkpoint directory) that a kill from outside at a random time
 * almost never hits.
 */
export const KILL_POINTS = [
  /** After a training step of the plain, VIB (warm-up included) or fine-tune stage. */
  'plain-batch',
  'vib-batch',
  'fine-tune-batch',
  /** Right after a layer shrank in place (moments sliced, nothing saved yet). */
  'shrink',
  /** After the epoch's metrics line, before its checkpoint. */
  'metrics-appended',
  /** A checkpoint's temporary directory holds the model, not yet the optimizer state and state.json. */
  'checkpoint-half-written',
  /** A directory being replaced: the old copy moved aside, the new one not yet in place. */
  'directory-swap',
  /** A file written to its temporary name, not yet renamed. */
  'file-rename',
  /** After training: the VIB model saved, run.json not yet marked finished. */
  'model-saved',
  /** A feature cache entry computed and stored (the CNN-LSTM app's extraction). */
  'feature-written',
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

export const KILL_AT_VARIABLE = 'TFJS_COMPRESS_KILL_AT';

function armed(): { point: string; at: number } | null {
  const spec = typeof process === 'undefined' ? undefined : process.env[KILL_AT_VARIABLE];
  if (!spec) return null;
  const match = /^([a-z-]+):(\d+)$/.exec(spec);
  if (!match || !(KILL_POINTS as readonly string[]).includes(match[1]) || Number(match[2]) < 1) {
    throw new Error(`${KILL_AT_VARIABLE} must be <point>:<n> with n >= 1 and point one of ${KILL_POINTS.join(', ')}, got '${spec}'`);
  }
  return { point: match[1], at: Number(match[2]) };
}

let target: { point: string; at: number } | null | undefined;
let passes = 0;

/** Marks a pass through `point`; the armed pass kills the process. */
export function killPoint(point: KillPoint): void {
  if (target === undefined) target = armed();
  if (target == null || target.point !== point || ++passes !== target.at) return;
  process.kill(process.pid, 'SIGKILL');
}
