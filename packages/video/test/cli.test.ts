import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readUcf11 } from '../src/index.js';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const tfjsCompressVideo = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args], { timeout: 60_000 });

describe('tfjs-compress-video CLI', () => {
  it('has --help on the program and on each command', async () => {
    const [top, generate, inspect] = await Promise.all([
      tfjsCompressVideo('--help'), tfjsCompressVideo('generate', '--help'), tfjsCompressVideo('inspect', '--help'),
    ]);
    assert.match(top.stdout, /generate \[options\] <root>/);
    assert.match(top.stdout, /inspect \[options\] <root>/);
    assert.match(generate.stdout, /--frames <n>/);
    assert.match(generate.stdout, /--difficulty <level>/);
    assert.match(generate.stdout, /choices: "avi", "mpg", "mp4", "mkv"/);
    assert.match(inspect.stdout, /--layout <layout>/);
  });

  it('generate writes a UCF11 tree that inspect summarises', async () => {
    const root = join(await tempDir(), 'synthetic');
    const gen = await tfjsCompressVideo('generate', root, '--classes', '2', '--groups', '2', '--clips', '1', '--frames', '4', '--width', '32', '--height', '24', '--format', 'mpg');
    assert.match(gen.stdout, /Wrote 4 clips \(2 classes\)/);
    const index = await readUcf11(root);
    assert.equal(index.clips.length, 4);
    const { stdout } = await tfjsCompressVideo('inspect', root);
    assert.match(stdout, /2 classes, 4 clips, 2 groups/);
    assert.match(stdout, /files: 4 \.mpg/);
    assert.match(stdout, /basketball\s+2\s+2/);
  });

  it('fails with a message and exit code 1 on bad input', async () => {
    await assert.rejects(tfjsCompressVideo('inspect', '/no/such/dir'), (e: { code?: number; stderr?: string }) =>
      e.code === 1 && /Invalid root: got '\/no\/such\/dir', expected an existing directory/.test(e.stderr ?? ''));
    await assert.rejects(tfjsCompressVideo('generate', '/tmp/x', '--frames', 'many'), (e: { code?: number; stderr?: string }) =>
      e.code === 1 && /expected an integer/.test(e.stderr ?? ''));
  });
});
