import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KILL_AT_VARIABLE } from '@tfjs-compress/app-kit';
import { compareRuns } from './compare-runs.js';
import { DEFAULT_FAULTS, DRILL_DATA_FLAGS, DRILL_TRAIN_FLAGS, type Fault } from './faults.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'ucf11-e2e');

/** The e2e app's CLI: the built one when there is one (faster start), else its sources through tsx. */
function appCommand(): string[] {
  const built = join(appDir, 'dist', 'main.js');
  return existsSync(built) ? [built] : ['--import', 'tsx', join(appDir, 'src', 'main.ts')];
}

export interface FaultOutcome extends Fault {
  /** The first process died of SIGKILL at the point (false: it never got there, a drill setup error). */
  killed: boolean;
  /** `train --resume` finished. */
  resumed: boolean;
  /** What differs from the uninterrupted run (empty: nothing lost). */
  differences: string[];
  /** Why it failed, when it did (the processes' stderr tails). */
  error?: string;
}

export interface DrillReport {
  injected: number;
  survived: number;
  /** Runs whose final files differ from the uninterrupted run's, or that could not resume. */
  lost: number;
  faults: FaultOutcome[];
  seconds: number;
}

export interface DrillOptions {
  /** Work directory (data, one run directory per fault); emptied first. */
  work: string;
  faults?: readonly Fault[];
  log?: (line: string) => void;
}

const tail = (text: string, lines = 6) => text.trim().split('\n').slice(-lines).join('\n');

function run(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...appCommand(), ...args], { cwd: appDir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 10 * 60_000 });
}

/**
 * Trains the tiny run once uninterrupted, then once per fault: killed with
 * SIGKILL at the fault's point, then `--resume`d in the same directory.
 * Every resumed run must end with the reference run's files: model and
 * checkpoint weights and optimizer moments byte for byte, the checkpoint
 * state, run.json and the metrics as values (wall times and paths aside).
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const log = options.log ?? console.log;
  const started = performance.now();
  rmSync(options.work, { recursive: true, force: true });
  mkdirSync(options.work, { recursive: true });
  const data = join(options.work, 'data');
  const generated = run(['generate', '--data', data, ...DRILL_DATA_FLAGS]);
  if (generated.status !== 0) throw new Error(`generating the drill's data set failed:\n${tail(generated.stderr)}`);
  const train = (out: string, env?: NodeJS.ProcessEnv) => run(['train', '--data', data, '--out', out, ...DRILL_TRAIN_FLAGS], env);

  const reference = join(options.work, 'uninterrupted');
  const straight = train(reference);
  if (straight.status !== 0) throw new Error(`the uninterrupted run failed:\n${tail(straight.stderr)}`);
  log(`uninterrupted run done (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  const faults = options.faults ?? DEFAULT_FAULTS;
  const outcomes: FaultOutcome[] = [];
  for (const [i, fault] of faults.entries()) {
    const out = join(options.work, `fault-${i + 1}`);
    const first = train(out, { [KILL_AT_VARIABLE]: `${fault.point}:${fault.pass}` });
    const outcome: FaultOutcome = { ...fault, killed: first.signal === 'SIGKILL', resumed: false, differences: [] };
    if (!outcome.killed) {
      outcome.error = `never reached ${fault.point} pass ${fault.pass} (exit ${first.status}):\n${tail(first.stderr || first.stdout)}`;
    } else {
      const resumed = run(['train', '--out', out, '--resume', '--no-progress']);
      outcome.resumed = resumed.status === 0;
      if (!outcome.resumed) outcome.error = `--resume failed (exit ${resumed.status}):\n${tail(resumed.stderr || resumed.stdout)}`;
      else outcome.differences = compareRuns(out, reference);
    }
    outcomes.push(outcome);
    const verdict = !outcome.killed ? 'NOT REACHED' : !outcome.resumed ? 'RESUME FAILED' : outcome.differences.length ? 'DATA LOST' : 'survived';
    log(`fault ${i + 1}/${faults.length}: SIGKILL at ${fault.point} #${fault.pass} (${fault.moment}): ${verdict}`);
    for (const line of [outcome.error, ...outcome.differences].filter(Boolean)) log(`    ${line}`);
  }
  const injected = outcomes.filter((o) => o.killed).length;
  const survived = outcomes.filter((o) => o.killed && o.resumed && o.differences.length === 0).length;
  return { injected, survived, lost: injected - survived, faults: outcomes, seconds: (performance.now() - started) / 1000 };
}
