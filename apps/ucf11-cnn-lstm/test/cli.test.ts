import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readMetrics, type CompressResults, type EpochRecord, type EvalResults } from '@tfjs-compress/app-kit';
import type { EdgeBench } from '../src/index.js';
import { appDir, cli, temp, tinySet, tinyTrainFlags } from './run-helpers.js';

const countFiles = (dir: string, ext: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countFiles(join(dir, e.name), ext) : e.name.endsWith(ext) ? 1 : 0), 0);
const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('CLI', () => {
  it('--help works on every command', () => {
    for (const command of [[], ['train'], ['eval'], ['compress'], ['infer'], ['report'], ['bench-edge'], ['generate'], ['sweep'], ['demo']]) {
      const run = cli([...command, '--help']);
      assert.equal(run.status, 0, `${command.join(' ')} --help: ${run.stderr}`);
      assert.match(run.stdout, /Usage: ucf11-cnn-lstm/);
    }
    const train = cli(['train', '--help']).stdout;
    for (const flag of ['--extractor', '--extractor-output', '--input-size', '--normalization', '--samplings', '--cache-dir', '--units', '--frames', '--kl-fac', '--group-lasso', '--pretrained', '--resume', '--backend']) {
      assert.ok(train.includes(flag), flag);
    }
  });

  it('stops a run too big for the wasm heap before it extracts anything, naming what to lower', async () => {
    const out = join(temp(), 'run');
    const run = cli(['train', '--data', await tinySet(), '--out', out, '--backend', 'wasm', '--frames', '32', '--units', '2048', '--batch', '32']);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /error: a training step of \[32 clips, 32 frames, 2048 features\] -> 2048 units needs about 6\.4 GiB on the wasm backend, more than its 4 GiB heap holds: lower --frames \(32\), --units \(2048\) or --batch \(32\)/);
    assert.ok(!existsSync(out), 'nothing written, no feature extracted');
  });

  it('rejects bad option values with a message naming the option', () => {
    for (const [args, pattern] of [
      [['train', '--units', '0'], /--units must be an integer >= 1, got '0'/],
      [['train', '--input-size', '12x'], /--input-size must be <height>x<width>/],
      [['train', '--normalization', 'zscore'], /--normalization must be one of imagenet, unit, none, symmetric/],
      [['train', '--group-lasso', '-1'], /--group-lasso must be a number >= 0/],
      [['sweep', '--kl-facs', '1e-3,x'], /--kl-facs must be a comma-separated list of positive numbers/],
      [['bench-edge', '--kept-units', '0'], /--kept-units must be an integer >= 1/],
    ] as const) {
      const run = cli([...args]);
      assert.notEqual(run.status, 0, args.join(' '));
      assert.match(run.stderr, pattern);
    }
  });

  it('generate -> train (with group lasso) -> compress -> eval -> infer -> report -> bench-edge on a tiny set', async () => {
    const out = join(temp(), 'run');
    const flags = await tinyTrainFlags();
    const trained = cli(['train', ...flags, '--out', out, '--epochs', '3', '--warmup-epochs', '1', '--ramp-epochs', '1', '--fine-tune-epochs', '1',
      '--kl-fac', '1e-2', '--group-lasso', '0.01', '--group-lasso-epochs', '1']);
    assert.equal(trained.status, 0, trained.stderr);
    assert.match(trained.stdout, /features: \d+ clip samplings \(train\) extracted/);
    const run = readJson<{ train: unknown[]; test: unknown[]; validation?: unknown[]; finished: boolean }>(join(out, 'run.json'));
    assert.ok(run.finished);
    // Each training clip has at most 2 samplings (2 can coincide on 8-frame clips), each test and validation clip 1.
    const entries = countFiles(join(out, 'feature-cache'), '.f32');
    const judged = run.test.length + (run.validation?.length ?? 0);
    assert.ok(run.validation != null && run.validation.length > 0, 'the default accuracy budget holds out validation clips');
    assert.ok(entries > run.train.length && entries <= 2 * run.train.length + judged, `${entries} cache entries`);
    assert.deepEqual(readMetrics<EpochRecord>(join(out, 'metrics.jsonl')).map((r) => r.phase), ['vib', 'vib', 'vib', 'fine-tune']);
    assert.ok(existsSync(join(out, 'vib-model-before-group-lasso', 'model.json')), 'the model before group lasso is kept');
    assert.match(trained.stdout, /group lasso zeroed \d+ unit groups/);

    const compressed = cli(['compress', '--out', out, '--backend', 'wasm', '--latency-runs', '2']);
    assert.equal(compressed.status, 0, compressed.stderr);
    const results = readJson<CompressResults>(join(out, 'results.json'));
    assert.ok(results.maxPredictionDifference < 1e-5, `compact predicts like the VIB model: ${results.maxPredictionDifference}`);
    assert.equal(results.after.accuracy, results.before.accuracy);
    assert.equal(results.totalInputs, 4);
    assert.ok(results.after.lstmParams <= results.before.lstmParams);

    const evaluated = cli(['eval', '--out', out, '--backend', 'wasm']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const evaluation = readJson<EvalResults>(join(out, 'eval.json'));
    assert.equal(evaluation.compact?.accuracy, evaluation.vib?.accuracy);
    assert.equal(evaluation.vib?.count, run.test.length);

    const clip = readJson<{ test: { path: string }[] }>(join(out, 'run.json')).test[0].path;
    const inferred = cli(['infer', clip, '--out', out, '--backend', 'wasm', '--json', '--top-k', '2']);
    assert.equal(inferred.status, 0, inferred.stderr);
    const answer = JSON.parse(inferred.stdout) as { predictions: { probability: number; className: string }[]; ms: { total: number } };
    assert.equal(answer.predictions.length, 2);
    assert.ok(answer.predictions[0].probability >= answer.predictions[1].probability);
    assert.ok(answer.ms.total > 0);

    const reported = cli(['report', '--out', out, '--backend', 'wasm']);
    assert.equal(reported.status, 0, reported.stderr);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /UCF11 CNN-LSTM with VIB/);

    const jsonOut = join(out, 'bench.json');
    const benched = cli(['bench-edge', '--out', out, '--backend', 'wasm', '--runs', '3', '--warmup', '1', '--json-out', jsonOut]);
    assert.equal(benched.status, 0, benched.stderr);
    assert.match(benched.stdout, /speed-up +LSTM [\d.]+x/);
    const bench = readJson<EdgeBench>(jsonOut);
    assert.equal(bench.source, 'run');
    assert.equal(bench.shape.features, 4);
    assert.equal(bench.stages.features.runs, 3);
    assert.ok(bench.speedup.lstm > 0 && Number.isFinite(bench.speedup.lstm));
  });

  it('trains by the pre-trained route (plain LSTM -> insertBottlenecks -> VIB) and compacts', async () => {
    const out = join(temp(), 'run');
    const trained = cli(['train', ...(await tinyTrainFlags()), '--out', out, '--pretrain-epochs', '2', '--epochs', '2', '--warmup-epochs', '0', '--ramp-epochs', '1', '--fine-tune-epochs', '1']);
    assert.equal(trained.status, 0, trained.stderr);
    assert.deepEqual(readMetrics<EpochRecord>(join(out, 'metrics.jsonl')).map((r) => r.phase), ['plain', 'plain', 'vib', 'vib', 'fine-tune']);
    const compressed = cli(['compress', '--out', out, '--backend', 'wasm', '--latency-runs', '1']);
    assert.equal(compressed.status, 0, compressed.stderr);
    assert.ok(readJson<CompressResults>(join(out, 'results.json')).maxPredictionDifference < 1e-5);
  });

  it('resumes a run killed mid-epoch and ends as an uninterrupted run does, without extracting features again', async () => {
    const out = join(temp(), 'run');
    const epochs = 10;
    const args = ['train', ...(await tinyTrainFlags()), '--out', out, '--epochs', String(epochs), '--warmup-epochs', '2', '--ramp-epochs', '2', '--fine-tune-epochs', '0'];
    const state = join(out, 'checkpoint', 'state.json');
    // Start training, and kill it (SIGKILL, no clean-up) once the first epoch's checkpoint is on disk.
    const child = spawn(process.execPath, ['--import', 'tsx', join(appDir, 'src', 'main.ts'), ...args], { cwd: appDir, stdio: 'ignore' });
    let running = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => {
      running = false;
      resolve();
    }));
    while (running && !existsSync(state)) await new Promise((r) => setTimeout(r, 5));
    assert.ok(running, 'still training when the first checkpoint appeared');
    child.kill('SIGKILL');
    await exited;
    const done = readJson<{ state: { completedEpochs: number } }>(state).state.completedEpochs;
    assert.ok(done >= 1 && done < epochs, `killed after ${done} of ${epochs} epochs`);
    const resumed = cli([...args, '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`resuming from .*checkpoint: ${done} of ${epochs} epochs done`));
    assert.doesNotMatch(resumed.stdout, /extracted/, 'features come from the cache');
    const other = join(temp(), 'run');
    const straight = cli(args.map((a) => (a === out ? other : a)));
    assert.equal(straight.status, 0, straight.stderr);
    const a = readMetrics<EpochRecord>(join(out, 'metrics.jsonl'));
    const b = readMetrics<EpochRecord>(join(other, 'metrics.jsonl'));
    assert.deepEqual(a.map((r) => r.epoch), Array.from({ length: epochs }, (_, i) => i + 1));
    assert.deepEqual(a.map((r) => r.loss.toFixed(5)), b.map((r) => r.loss.toFixed(5)));
    assert.deepEqual(a.map((r) => r.testAccuracy), b.map((r) => r.testAccuracy));
  });

  it('sweeps klFac: one run per value, a chart, and finished runs reused', async () => {
    const out = join(temp(), 'sweep');
    const args = ['sweep', ...(await tinyTrainFlags()), '--out', out, '--kl-facs', '1e-3,1e-1', '--epochs', '2', '--warmup-epochs', '0', '--ramp-epochs', '1', '--fine-tune-epochs', '0'];
    const first = cli(args);
    assert.equal(first.status, 0, first.stderr);
    const sweep = readJson<{ parameter: string; points: { value: number; compression: number; accuracy: number }[] }>(join(out, 'sweep.json'));
    assert.equal(sweep.parameter, 'klFac');
    assert.deepEqual(sweep.points.map((p) => p.value), [1e-3, 1e-1]);
    assert.ok(sweep.points.every((p) => p.compression >= 1 && p.accuracy >= 0 && p.accuracy <= 1));
    assert.match(readFileSync(join(out, 'sweep.svg'), 'utf8'), /<svg/);
    assert.equal(countFiles(join(out, 'feature-cache'), '.f32') > 0, true, 'one shared feature cache');
    const again = cli(args);
    assert.equal(again.status, 0, again.stderr);
    assert.equal((again.stdout.match(/reused/g) ?? []).length, 2);
  });

  it('generate skips a complete set', async () => {
    const data = await tinySet();
    const run = cli(['generate', '--data', data]);
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /generating/);
  });
});
