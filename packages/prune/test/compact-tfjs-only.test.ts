import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, useBackend } from '@tfjs-compress/testing';
import { compact } from '../src/index.js';
import { saveCompact } from '../src/node.js';
import { useHardMasks } from './helpers.js';
import { biGruTagger } from './zoo.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/load-compact-child.mjs', import.meta.url));

describe('a compact Embedding + Bidirectional model in a process that imports only @tensorflow/tfjs', () => {
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'prune-graph-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('loads and predicts what the hard-mask VIB model predicts', async () => {
    const zoo = biGruTagger();
    useHardMasks(zoo.model);
    const result = compact(zoo.model);
    await saveCompact(result, join(dir, 'model'));
    const x = zoo.inputs() as tf.Tensor;
    const inputPath = join(dir, 'input.json');
    await writeFile(inputPath, JSON.stringify({ shape: x.shape, values: Array.from(x.dataSync()) }));
    const { stdout } = await run(process.execPath, [CHILD, join(dir, 'model'), inputPath], { maxBuffer: 1 << 24 });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `child printed no result: ${stdout}`);
    const child = JSON.parse(line.slice('RESULT '.length)) as { shape: number[]; values: number[]; classes: string[] };
    assert.deepEqual(child.classes, ['InputLayer', 'Embedding', 'Bidirectional', 'Bidirectional', 'TimeDistributed']);
    const expected = zoo.model.predict(x) as tf.Tensor;
    assert.deepEqual(child.shape, expected.shape);
    assertClose(child.values, expected, 1e-5, 'child-process prediction');
    tf.dispose([x, expected]);
    [result.model, zoo.model].forEach((m) => m.dispose());
  });
});
