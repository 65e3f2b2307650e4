import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@tfjs-compress/testing';
import { benchCommand } from '../src/cli.js';

describe('vib-bench CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vib-bench-'));
  before(() => useBackend('cpu'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the mnist and sweep commands in --help', () => {
    const help = benchCommand().helpInformation();
    assert.match(help, /mnist \[options\]/);
    assert.match(help, /sweep \[options\]/);
    const sweepHelp = benchCommand().commands.find((c) => c.name() === 'sweep')!.helpInformation();
    for (const flag of ['--task', '--param', '--values', '--route', '--out']) assert.ok(sweepHelp.includes(flag), flag);
    assert.ok(sweepHelp.includes('maxAccuracyDrop'), 'the accuracy budget can be swept');
    const mnistHelp = benchCommand().commands.find((c) => c.name() === 'mnist')!.helpInformation();
    for (const flag of ['--target <list>', '--target-only', '--plain-cache', '--routes']) assert.ok(mnistHelp.includes(flag), flag);
  });

  it('sweep trains one model per value and writes sweep.json, sweep.svg and sweep.html', async () => {
    const out = join(dir, 'sweep');
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(String(line));
    const start = tf.memory().numTensors;
    try {
      await benchCommand().parseAsync(
        ['sweep', '--task', 'pulse', '--values', '0.001,0.03', '--units', '6', '--epochs', '3', '--plain-epochs', '1', '--limit', '192', '--backend', 'cpu', '--out', out],
        { from: 'user' },
      );
    } finally {
      console.log = log;
    }
    assert.ok(tf.memory().numTensors <= start + 2, `tensors left: ${tf.memory().numTensors - start}`);
    for (const f of ['sweep.json', 'sweep.svg', 'sweep.html']) assert.ok(existsSync(join(out, f)), f);
    const json = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    assert.equal(json.parameter, 'klFac');
    assert.deepEqual(json.points.map((p: { value: number }) => p.value), [0.001, 0.03]);
    for (const p of json.points) {
      assert.ok(p.accuracy >= 0 && p.accuracy <= 1);
      assert.ok(p.compression >= 1);
      assert.equal(p.compression, p.details.paramsBefore / p.details.paramsAfter);
    }
    assert.ok(lines.some((l) => l.startsWith('wrote ')));
  });

  it('rejects bad values with a clear message', async () => {
    const command = benchCommand();
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: () => undefined });
    await assert.rejects(command.parseAsync(['sweep', '--values', '1e-3,abc'], { from: 'user' }), /--values must be a comma-separated list/);
  });
});
