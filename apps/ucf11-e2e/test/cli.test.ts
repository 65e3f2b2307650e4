import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readMetrics, type EpochRecord } from '@tfjs-compress/app-kit';
import { TINY_FLAGS, temp, tinySet } from './helpers.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = (args: string[]) => ['--import', 'tsx', join(appDir, 'src', 'main.ts'), ...args];

describe('CLI', () => {
  it('--help works on every command', () => {
    for (const command of [[], ['train'], ['eval'], ['compress'], ['infer'], ['report'], ['generate'], ['sweep'], ['demo']]) {
      const run = spawnSync(process.execPath, cli([...command, '--help']), { cwd: appDir, encoding: 'utf8' });
      assert.equal(run.status, 0, `${command.join(' ')} --help: ${run.stderr}`);
      assert.match(run.stdout, /Usage: ucf11-e2e/);
    }
    const train = spawnSync(process.execPath, cli(['train', '--help']), { cwd: appDir, encoding: 'utf8' }).stdout;
    for (const flag of ['--frames', '--width', '--height', '--units', '--batch', '--epochs', '--lr', '--ib-lr', '--kl-fac', '--kl-mult', '--seed', '--backend', '--resume', '--pretrained']) {
      assert.ok(train.includes(flag), flag);
    }
  });

  it('rejects bad option values with a message naming the option', () => {
    const run = spawnSync(process.execPath, cli(['train', '--units', '0']), { cwd: appDir, encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /--units must be an integer >= 1, got '0'/);
  });

  it('resumes a run killed mid-epoch from the last checkpoint', async () => {
    const data = await tinySet();
    const out = join(temp(), 'run');
    const epochs = 12;
    const args = ['train', '--data', data, '--out', out, ...TINY_FLAGS, '--units', '32', '--epochs', String(epochs), '--warmup-epochs', '2', '--ramp-epochs', '2', '--fine-tune-epochs', '0'];
    const state = join(out, 'checkpoint', 'state.json');
    const child = spawn(process.execPath, cli(args), { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Kill as soon as the first checkpoint exists (the next epoch is then under way).
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (existsSync(state)) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      child.on('exit', () => {
        clearInterval(timer);
        if (!existsSync(state)) reject(new Error(`exited before a checkpoint: ${stdout}`));
      });
    });
    await exited;
    const done = (JSON.parse(readFileSync(state, 'utf8')) as { state: { completedEpochs: number } }).state.completedEpochs;
    assert.ok(done >= 1 && done < epochs, `killed after ${done} of ${epochs} epochs`);

    const resumed = spawnSync(process.execPath, cli([...args, '--resume']), { cwd: appDir, encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`resuming from .*checkpoint: ${done} of ${epochs} epochs done`));
    const ran = [...resumed.stdout.matchAll(/^epoch +(\d+)\//gm)].map((m) => Number(m[1]));
    assert.deepEqual(ran, Array.from({ length: epochs - done }, (_, i) => done + 1 + i), 'continues from the next epoch');
    assert.deepEqual(readMetrics<EpochRecord>(join(out, 'metrics.jsonl')).map((r) => r.epoch), Array.from({ length: epochs }, (_, i) => i + 1));
    assert.ok(existsSync(join(out, 'vib-model', 'model.json')));

    // The same seed gives the same result: an uninterrupted run ends with the same metrics.
    const other = join(temp(), 'run');
    const straight = spawnSync(process.execPath, cli([...args.slice(0, 4), other, ...args.slice(5)]), { cwd: appDir, encoding: 'utf8' });
    assert.equal(straight.status, 0, straight.stderr);
    const a = readMetrics<EpochRecord>(join(out, 'metrics.jsonl'));
    const b = readMetrics<EpochRecord>(join(other, 'metrics.jsonl'));
    assert.deepEqual(a.map((r) => r.loss.toFixed(5)), b.map((r) => r.loss.toFixed(5)));
    assert.deepEqual(a.map((r) => r.testAccuracy), b.map((r) => r.testAccuracy));
  });
});
