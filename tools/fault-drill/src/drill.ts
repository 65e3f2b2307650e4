import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KILL_AT_VARIABLE } from '@tfjs-compress/app-kit';
import { compareRuns } from './compare-runs.js';
import { DISK_FAULT_VARIABLE } from './disk-fault-codes.js';
import { DRILL_APPS, isKillFault, type DrillAppName, type Fault } from './faults.js';

const appsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps');

/** The app's CLI: the built one when there is one (faster start), else its sources through tsx. */
function appCommand(appDir: string, fault?: Fault): string[] {
  const built = join(appDir, 'dist', 'main.js');
  const app = existsSync(built) ? [built] : [join(appDir, 'src', 'main.ts')];
  // A disk fault needs the preload that fails the write (TypeScript, hence tsx first).
  const loaders = !existsSync(built) || (fault && !isKillFault(fault)) ? ['--import', 'tsx'] : [];
  const preload = fault && !isKillFault(fault) ? ['--import', diskFaultsModule] : [];
  return [...loaders, ...preload, ...app];
}

const diskFaultsModule = join(dirname(fileURLToPath(import.meta.url)), 'disk-faults.ts');

/** The environment that arms a fault in the app's process. */
const faultEnv = (fault: Fault): NodeJS.ProcessEnv =>
  isKillFault(fault) ? { [KILL_AT_VARIABLE]: `${fault.point}:${fault.pass}` } : { [DISK_FAULT_VARIABLE]: `${fault.code}:${fault.pass}:${fault.path}` };

/** Prefix of a problem with how a fault was reported (not with the data). */
const REPORT_PROBLEM = 'report: ';

/** Words each disk fault's message must contain: the cause as the app says it. */
const CAUSE_WORDS = { ENOSPC: 'disk is full', EACCES: 'no permission', EROFS: 'read-only' } as const;

/**
 * What a disk fault left wrong, checked before resuming: the process must
 * have stopped with an error (not a crash or a signal) that names the path
 * and the cause without a stack trace, and left no temporary file or
 * directory and a checkpoint whose state still parses.
 */
function diskFaultProblems(fault: Fault, first: RunResult, out: string): string[] {
  if (isKillFault(fault)) return [];
  const problems: string[] = [];
  const message = first.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';
  if (first.status === 0 || first.signal != null) problems.push(`${REPORT_PROBLEM}expected a failed exit, got status ${first.status}, signal ${first.signal}`);
  if (!message.includes(join(out, fault.names)) || !message.includes(CAUSE_WORDS[fault.code])) {
    problems.push(`${REPORT_PROBLEM}the message does not name ${fault.names} and '${CAUSE_WORDS[fault.code]}': '${message}'`);
  }
  if (/^\s+at /m.test(first.stderr)) problems.push(`${REPORT_PROBLEM}a stack trace was printed`);
  const leftovers = listFiles(out).filter((f) => f.endsWith('.tmp'));
  if (leftovers.length) problems.push(`temporary files left: ${leftovers.join(', ')}`);
  const state = join(out, 'checkpoint', 'state.json');
  if (existsSync(state)) {
    try {
      JSON.parse(readFileSync(state, 'utf8'));
    } catch {
      problems.push('checkpoint/state.json no longer parses');
    }
  }
  return problems;
}

/** Every path under `dir` except the frame or feature cache, relative. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = join(prefix, entry.name);
    if (entry.name.endsWith('-cache')) return [];
    return entry.isDirectory() ? [path, ...listFiles(dir, path)] : [path];
  });
}

export type FaultOutcome = Fault & {
  /** The first process died of SIGKILL at the point, or stopped at the failed write (false: it never got there, a drill setup error). */
  injected: boolean;
  /** `train --resume` finished. */
  resumed: boolean;
  /** What differs from the uninterrupted run, and what a disk fault left wrong (empty: nothing lost). */
  differences: string[];
  /** Why it failed, when it did (the processes' stderr tails). */
  error?: string;
};

const describe = (fault: Fault) => (isKillFault(fault) ? `SIGKILL at ${fault.point} #${fault.pass}` : `${fault.code} on write #${fault.pass} to *${fault.path}*`);

export interface DrillReport {
  injected: number;
  survived: number;
  /** Runs whose final files differ from the uninterrupted run's, or that could not resume. */
  lost: number;
  faults: FaultOutcome[];
  seconds: number;
}

export interface DrillOptions {
  /** The app whose `train` is drilled. Default: 'ucf11-e2e'. */
  app?: DrillAppName;
  /** Work directory (data, one run directory per fault); emptied first. */
  work: string;
  /** Default: the app's faults. */
  faults?: readonly Fault[];
  /** Faulted runs at once (each is one process at a time). Default: the machine's cores. */
  jobs?: number;
  log?: (line: string) => void;
}

const tail = (text: string, lines = 6) => text.trim().split('\n').slice(-lines).join('\n');

/** How an app process ended and what it printed. */
interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(appDir: string, args: string[], fault?: Fault): Promise<RunResult> {
  const env = { ...process.env, ...(fault ? faultEnv(fault) : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...appCommand(appDir, fault), ...args], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Runs `work` over `items`, at most `jobs` at a time, results in order. */
async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}

/**
 * Trains the tiny run once uninterrupted, then once per fault: killed with
 * SIGKILL at the fault's point, or stopped by a failing write (checked: a
 * clear message, nothing half-written left), then `--resume`d in the same
 * directory without the fault.
 * Every resumed run must end with the reference run's files: model and
 * checkpoint weights and optimizer moments byte for byte, the checkpoint
 * state, run.json and the metrics as values (wall times and paths aside).
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const log = options.log ?? console.log;
  const started = performance.now();
  const app = DRILL_APPS[options.app ?? 'ucf11-e2e'];
  const appDir = join(appsDir, options.app ?? 'ucf11-e2e');
  rmSync(options.work, { recursive: true, force: true });
  mkdirSync(options.work, { recursive: true });
  const data = join(options.work, 'data');
  const generated = await run(appDir, ['generate', '--data', data, ...app.dataFlags]);
  if (generated.status !== 0) throw new Error(`generating the drill's data set failed:\n${tail(generated.stderr)}`);
  const train = (out: string, fault?: Fault) => run(appDir, ['train', '--data', data, '--out', out, ...app.trainFlags], fault);

  const reference = join(options.work, 'uninterrupted');
  const straight = await train(reference);
  if (straight.status !== 0) throw new Error(`the uninterrupted run failed:\n${tail(straight.stderr)}`);
  log(`uninterrupted run done (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  const faults = options.faults ?? app.faults;
  const outcomes = await pool(faults, options.jobs ?? availableParallelism(), async (fault, i): Promise<FaultOutcome> => {
    const out = join(options.work, `fault-${i + 1}`);
    const first = await train(out, fault);
    const struck = isKillFault(fault) ? first.signal === 'SIGKILL' : first.status !== 0;
    const outcome: FaultOutcome = { ...fault, injected: struck, resumed: false, differences: diskFaultProblems(fault, first, out) };
    if (!outcome.injected) {
      outcome.error = `never reached ${describe(fault)} (exit ${first.status}):\n${tail(first.stderr || first.stdout)}`;
    } else {
      const resumed = await run(appDir, ['train', '--out', out, '--resume', '--no-progress']);
      outcome.resumed = resumed.status === 0;
      if (!outcome.resumed) outcome.error = `--resume failed (exit ${resumed.status}):\n${tail(resumed.stderr || resumed.stdout)}`;
      else outcome.differences.push(...compareRuns(out, reference));
    }
    const lost = outcome.differences.some((d) => !d.startsWith(REPORT_PROBLEM));
    const verdict = !outcome.injected ? 'NOT REACHED' : !outcome.resumed ? 'RESUME FAILED' : lost ? 'DATA LOST' : outcome.differences.length ? 'UNCLEAR ERROR' : 'survived';
    log(`fault ${i + 1}/${faults.length}: ${describe(fault)} (${fault.moment}): ${verdict}`);
    for (const line of [outcome.error, ...outcome.differences].filter(Boolean)) log(`    ${line}`);
    return outcome;
  });
  const injected = outcomes.filter((o) => o.injected).length;
  const survived = outcomes.filter((o) => o.injected && o.resumed && o.differences.length === 0).length;
  return { injected, survived, lost: injected - survived, faults: outcomes, seconds: (performance.now() - started) / 1000 };
}
