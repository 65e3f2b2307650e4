import { InvalidArgumentError } from '@tfjs-compress/common';

/** Shard `index` of `count`, 0-based: the process takes every item whose position is `index` modulo `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The shard of this process: `--shard i/n` (0 <= i < n), else a job
 * scheduler's index: Kubernetes Indexed Jobs set `JOB_COMPLETION_INDEX`
 * (0-based; the count comes from `--shards n`), Slurm job arrays set
 * `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN` and `SLURM_ARRAY_TASK_COUNT`.
 * Null when there is none: the process takes everything.
 */
export function shardOf(flag: string | undefined, shards: number | undefined, env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (flag != null) {
    const match = /^(\d+)\/(\d+)$/.exec(flag);
    const shard = match ? { index: Number(match[1]), count: Number(match[2]) } : null;
    if (!shard || shard.count < 1 || shard.index >= shard.count) throw new InvalidArgumentError('--shard', flag, 'i/n with 0 <= i < n, e.g. 0/4');
    return shard;
  }
  if (env.JOB_COMPLETION_INDEX != null) {
    const index = Number(env.JOB_COMPLETION_INDEX);
    if (shards == null) throw new InvalidArgumentError('--shards', undefined, `the number of shards (JOB_COMPLETION_INDEX is ${index}; set --shards to the Job's completions)`);
    if (!(Number.isInteger(index) && index >= 0 && index < shards)) throw new InvalidArgumentError('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, `an integer in [0, ${shards})`);
    return { index, count: shards };
  }
  if (env.SLURM_ARRAY_TASK_ID != null) {
    const id = Number(env.SLURM_ARRAY_TASK_ID);
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    const count = Number(env.SLURM_ARRAY_TASK_COUNT ?? shards);
    if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(id - min) && id - min >= 0 && id - min < count)) {
      throw new InvalidArgumentError('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, `an id in [SLURM_ARRAY_TASK_MIN, +SLURM_ARRAY_TASK_COUNT) = [${min}, ${min + count})`);
    }
    return { index: id - min, count };
  }
  return null;
}

/** This shard's items: sorted by `keyOf` first, so every process agrees on the order whatever order it read them in. */
export function takeShard<T>(items: readonly T[], shard: Shard | null, keyOf: (item: T) => string): T[] {
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  return shard == null ? sorted : sorted.filter((_, k) => k % shard.count === shard.index);
}
