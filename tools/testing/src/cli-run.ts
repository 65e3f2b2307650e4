import { spawn } from 'node:child_process';

export interface TimedCliRun {
  /** Exit status (null: killed by a signal). */
  status: number | null;
  seconds: number;
  /** Everything the command printed on stdout and stderr, in order. */
  output: string;
}

/**
 * Runs a CLI entry point (`node <entry> ...args`) in a child process, as a
 * user would, echoing its output to this process's stderr (a long benchmark
 * shows its progress) and timing it.
 */
export function timedCli(entry: string, args: readonly string[], options: { cwd?: string; echo?: boolean } = {}): Promise<TimedCliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (options.echo ?? true) process.stderr.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, seconds: (performance.now() - started) / 1000, output }));
  });
}
