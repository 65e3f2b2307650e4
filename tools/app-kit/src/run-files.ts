import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { existingDir, writeJsonAtomic } from './atomic-files.js';
import { STATE_FILE } from './checkpoint.js';
import { CHECKPOINT_DIR } from './training-session.js';
import type { CommonTrainOptions } from './train-cli.js';
import { TEST_PREDICTIONS_FILE } from './test-predictions.js';

/** Files of a run directory, the same in every app. */
export function runPaths(out: string) {
  const dir = resolve(out);
  return {
    dir,
    run: join(dir, 'run.json'),
    metrics: join(dir, 'metrics.jsonl'),
    vibModel: join(dir, 'vib-model'),
    compact: join(dir, 'compact'),
    /** The compact model with quantized weights (`compress --quantize`). */
    quantized: join(dir, 'quantized'),
    /** The compact model's test inputs and Node's probabilities, for a check in another runtime. */
    testPredictions: join(dir, TEST_PREDICTIONS_FILE),
    results: join(dir, 'results.json'),
    evaluation: join(dir, 'eval.json'),
    report: join(dir, 'report.html'),
  };
}

export type RunPaths = ReturnType<typeof runPaths>;

/** What `train` records for the later commands: the options, the classes and the split. */
export interface RunRecord<O, C> {
  options: O;
  classes: string[];
  /** Input features per time step of the model. */
  features: number;
  train: C[];
  test: C[];
  /** Clips held out from training for the accuracy budget (absent for the other policies). */
  validation?: C[];
  /** Test accuracy at the end of the VIB phase (weighted masks, before fine-tuning), when there was one. */
  vibPhaseTestAccuracy: number | null;
  /**
   * Test accuracy of the uncompressed model: the last epoch before any KL
   * pressure (the plain phase, or the warm-up with the gates frozen at identity).
   */
  uncompressedTestAccuracy: number | null;
  /** The best test accuracy over those epochs (the per-epoch figure is noisy on small test sets). */
  uncompressedBestTestAccuracy: number | null;
  /**
   * The uncompressed baseline chosen without looking at the test clips: the
   * test accuracy of the uncompressed epoch with the best validation accuracy
   * (null without validation clips).
   */
  baselineTestAccuracy?: number | null;
  /** That epoch's validation accuracy. */
  baselineValidationAccuracy?: number | null;
  finished: boolean;
}

export async function writeRun<O, C>(out: string, record: RunRecord<O, C>): Promise<void> {
  await writeJsonAtomic(runPaths(out).run, record);
}

export function readRun<O, C>(out: string): RunRecord<O, C> {
  const path = runPaths(out).run;
  if (!existsSync(path)) throw new Error(`${path} not found: run 'train --out ${out}' first`);
  return JSON.parse(readFileSync(path, 'utf8')) as RunRecord<O, C>;
}

export function readJson<T>(path: string): T | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

/**
 * The options a `train` call runs with: when it resumes a recorded run, the
 * ones that run was started with (its checkpoint was made with them; the
 * backend too, since another backend's float rounding would not continue the
 * same numbers), with this call's progress setting. Runs recorded before the
 * policy option ramped klFac on a fixed schedule. `previous`: the recorded
 * run when the caller has read it already.
 */
export function resumedTrainOptions<O extends Pick<CommonTrainOptions, 'out' | 'resume' | 'progress' | 'policy'>>(
  options: O,
  previous: RunRecord<O, unknown> | null = options.resume ? readJson<RunRecord<O, unknown>>(runPaths(options.out).run) : null,
): O {
  return previous ? { ...previous.options, policy: previous.options.policy ?? 'fixed', resume: true, progress: options.progress } : options;
}

/**
 * Why the run in `out` has no final VIB model yet, with how far its
 * training got (a killed or failed `train` leaves run.json unfinished and a
 * checkpoint to resume from); null when it finished.
 */
export function unfinishedRun(out: string, run: Pick<RunRecord<unknown, unknown>, 'finished'> = readRun(out)): string | null {
  const paths = runPaths(out);
  if (run.finished && existsSync(join(paths.vibModel, 'model.json'))) return null;
  const checkpoint = existingDir(join(paths.dir, CHECKPOINT_DIR));
  const state = checkpoint ? readJson<{ state?: { completedEpochs?: number } }>(join(checkpoint, STATE_FILE)) : null;
  const done = state?.state?.completedEpochs;
  const progress = done == null ? 'it has no checkpoint yet' : `its checkpoint holds ${done} epoch${done === 1 ? '' : 's'}`;
  return `the training in ${paths.dir} did not finish (${progress}, and no VIB model was saved)`;
}

/** The run, when its training finished and saved the VIB model; otherwise an error that says how far it got and how to finish it. */
export function readFinishedRun<O, C>(out: string): RunRecord<O, C> {
  const run = readRun<O, C>(out);
  assertFinished(out, run);
  return run;
}

function assertFinished(out: string, run: Pick<RunRecord<unknown, unknown>, 'finished'>): void {
  const unfinished = unfinishedRun(out, run);
  if (unfinished) throw new Error(`${unfinished}: run 'train --out ${out} --resume' to finish it first`);
}

/**
 * The folder of a finished run's compact or VIB model, for `infer` and the
 * like: an unfinished run says how to finish it (readFinishedRun), a run
 * never compressed says to run `compress`.
 */
export function runModelDir(out: string, which: 'compact' | 'vib', run: Pick<RunRecord<unknown, unknown>, 'finished'> = readRun(out)): string {
  assertFinished(out, run);
  const paths = runPaths(out);
  const dir = which === 'compact' ? paths.compact : paths.vibModel;
  if (!existsSync(join(dir, 'model.json'))) throw new Error(`no ${which} model in ${paths.dir}: run 'compress --out ${out}' first`);
  return dir;
}
