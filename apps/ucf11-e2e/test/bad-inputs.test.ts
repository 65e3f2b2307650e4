import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeVideo } from '@tfjs-compress/video';
import { TINY_FLAGS, temp, tinySet } from './helpers.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(appDir, 'README.md'), 'utf8');

/**
 * The rows of the README's "Bad inputs" table: input, commands, and the
 * message as a pattern (`<...>` matches anything); a row whose message cell
 * starts with "used" is an input that must train like any other clip.
 */
function badInputRows(): Array<{ input: string; commands: string[]; message: string; pattern: RegExp | null }> {
  const start = readme.indexOf('## Bad inputs');
  assert.ok(start >= 0, 'README has a "Bad inputs" section');
  const rows = readme.slice(start).split('\n## ')[0].split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| input') && !l.startsWith('|---'));
  return rows.map((row) => {
    const [input, commands, message] = row.split(' | ').map((c) => c.replace(/^\| |\|$/g, '').trim());
    const used = message.startsWith('used ');
    const text = used ? message : /`([^`]+)`/.exec(message)![1];
    const pattern = used ? null : new RegExp(text.split(/<[^>]+>/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?'));
    return { input, commands: [...commands.matchAll(/`([a-z]+)`/g)].map((m) => m[1]), message: text, pattern };
  });
}

/** The fault drill's preload (by path: the drill depends on this app, not the other way round). */
const readFaultPreload = join(appDir, '..', '..', 'tools', 'fault-drill', 'src', 'disk-faults.ts');
const cli = (args: string[], env: NodeJS.ProcessEnv = {}, preload?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', ...(preload ? ['--import', preload] : []), join(appDir, 'src', 'main.ts'), ...args], { cwd: appDir, encoding: 'utf8', env: { ...process.env, ...env } });
const TRAIN = [...TINY_FLAGS, '--backend', 'cpu', '--epochs', '2', '--warmup-epochs', '1', '--fine-tune-epochs', '0'];

describe('bad inputs (README table)', () => {
  /** Per README input: the output of each command run against it, and for an input that must be used, whether it was. */
  const outputs = new Map<string, (command: string) => { status: number | null; text: string; used?: boolean }>();

  before(async () => {
    const root = temp();
    const data = join(root, 'data');
    cpSync(await tinySet(), data, { recursive: true });
    const [first, second] = readdirSync(data, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const groupOf = (c: string) => join(data, c, readdirSync(join(data, c)).sort()[0]);
    const aClip = join(groupOf(first), readdirSync(groupOf(first)).sort()[0]);
    writeFileSync(join(groupOf(first), `v_${first}_01_90.avi`), '');
    writeFileSync(join(groupOf(second), `v_${second}_01_91.avi`), 'hello, not a video\n');
    writeFileSync(join(groupOf(second), `v_${second}_01_92.avi`), readFileSync(aClip).subarray(0, 3000));
    const unreadable = join(groupOf(second), `v_${second}_01_93.avi`);
    cpSync(aClip, unreadable);
    chmodSync(unreadable, 0o000);
    const oneFrame = join(groupOf(first), `v_${first}_01_94.avi`);
    await encodeVideo(new Uint8Array(32 * 24 * 3).fill(128), oneFrame, { width: 32, height: 24, fps: 25 });
    const fourK = join(groupOf(first), `v_${first}_01_95.avi`);
    await encodeVideo(new Uint8Array(3840 * 2160 * 3 * 3).map((_, i) => (i * 7) & 255), fourK, { width: 3840, height: 2160, fps: 25 });
    mkdirSync(join(data, 'fencing'));
    const run = join(root, 'run');
    // Root reads a mode-000 file: there the fault-drill preload refuses the open as the kernel would for anyone else.
    const asRoot = process.getuid?.() === 0 ? { preload: readFaultPreload, env: { TFJS_COMPRESS_READ_FAULT: 'EACCES:_01_93.avi' } } : { env: {} };
    const trained = cli(['train', '--data', data, '--out', run, ...TRAIN], asRoot.env, asRoot.preload);
    assert.equal(trained.status, 0, trained.stderr);
    const of = (r: ReturnType<typeof cli>) => ({ status: r.status, text: r.stdout + r.stderr });
    for (const input of ['a class folder with no clips', 'a zero-byte clip', 'a text file named .avi', 'a clip cut off after 3,000 bytes', 'a file this user may not read (mode 000)', 'a clip of one frame']) outputs.set(input, () => of(trained));
    // Used: the run lists it, and training skipped nothing of it.
    const record = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as Record<'train' | 'validation' | 'test', Array<{ path: string }>>;
    const listed = (path: string) => [...record.train, ...record.validation, ...record.test].some((c) => c.path === path);
    const usedClip = (path: string) => listed(path) && !of(trained).text.includes(`clip ${path}:`);
    outputs.set('a 4K clip (3840x2160)', () => ({ ...of(trained), used: usedClip(fourK) }));
    assert.ok(usedClip(oneFrame), 'the one-frame clip trains');
    outputs.set('a dataset root that does not exist', () => of(cli(['train', '--data', join(root, 'missing'), '--out', join(root, 'r0'), ...TRAIN])));
    outputs.set('a run that was never compressed', (c) => of(cli([c, aClip, '--out', run])));

    const damaged = (name: string, damage: (vibModel: string) => void) => {
      const copy = join(root, name);
      cpSync(run, copy, { recursive: true });
      damage(join(copy, 'vib-model'));
      return copy;
    };
    const truncated = damaged('truncated', (m) => writeFileSync(join(m, 'weights.bin'), readFileSync(join(m, 'weights.bin')).subarray(0, 1000)));
    outputs.set('a truncated weights.bin', (c) => of(cli([c, '--out', truncated])));
    // The model.json of a run with 6 units and larger frames over this run's weights; its compact model in a copy of this run.
    const smaller = join(root, 'smaller');
    assert.equal(cli(['train', '--data', data, '--out', smaller, ...TRAIN, '--units', '6', '--epochs', '1', '--width', '64', '--height', '48']).status, 0);
    assert.equal(cli(['compress', '--out', smaller, '--backend', 'cpu']).status, 0);
    const other = damaged('other', (m) => writeFileSync(join(m, 'model.json'), readFileSync(join(smaller, 'vib-model', 'model.json'))));
    outputs.set('a model.json of another model', (c) => of(cli([c, '--out', other])));
    const mismatched = join(root, 'mismatched');
    cpSync(run, mismatched, { recursive: true });
    cpSync(join(smaller, 'compact'), join(mismatched, 'compact'), { recursive: true });
    outputs.set('a compact model copied from a run with another frame size', (c) => of(cli([c, aClip, '--out', mismatched])));
    const killed = join(root, 'killed');
    const dying = cli(['train', '--data', data, '--out', killed, ...TRAIN, '--epochs', '3'], { TFJS_COMPRESS_KILL_AT: 'metrics-appended:3' });
    assert.equal(dying.signal, 'SIGKILL', dying.stderr);
    outputs.set('a run killed before its model was saved', (c) => of(cli(c === 'infer' ? [c, aClip, '--out', killed] : [c, '--out', killed])));
    outputs.set('a run killed before its model was saved (its report)', (c) => of(cli([c, '--out', killed])));
    outputs.set('a run directory that `train` never wrote', (c) => of(cli([c, '--out', join(root, 'never')])));
  });

  for (const row of badInputRows()) {
    it(`${row.input}: ${row.commands.join(', ')} says so`, () => {
      const output = outputs.get(row.input);
      assert.ok(output, `no setup for the README row '${row.input}'`);
      for (const command of row.commands) {
        const { status, text, used } = output(command);
        if (row.pattern) assert.match(text, row.pattern, `${command}: expected ${row.message}\n${text}`);
        else assert.equal(used, true, `${command}: the input must be used like any other clip\n${text}`);
        assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `${command}: no stack trace`);
        if (row.message.startsWith('error: ')) assert.notEqual(status, 0, `${command} fails`);
      }
    });
  }
});

describe('official splits', () => {
  it("trains on HMDB51's split files kept apart from the videos (--split official --fold 1 --split-dir), skipping and counting a listed clip missing on disk", async () => {
    const root = join(temp(), 'hmdb51');
    const source = await tinySet();
    const classes = readdirSync(source, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    // HMDB51 ships its split files in an archive of their own, unpacked next to the videos rather than inside.
    const splits = join(root, '..', 'testTrainMulti_7030_splits');
    mkdirSync(splits, { recursive: true });
    for (const className of classes) {
      mkdirSync(join(root, className), { recursive: true });
      const clips = readdirSync(join(source, className), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.avi'));
      const lines = clips.map((clip, k) => {
        cpSync(join(clip.parentPath, clip.name), join(root, className, clip.name));
        return `${clip.name} ${k % 4 === 3 ? 2 : 1}`;
      });
      writeFileSync(join(splits, `${className}_test_split1.txt`), `${[...lines, `missing_${className}.avi 1`, `unused_${className}.avi 0`].join('\n')}\n`);
    }
    const official = ['train', '--data', root, '--out', join(root, '..', 'run'), '--split', 'official', '--fold', '1', ...TRAIN, '--epochs', '1', '--warmup-epochs', '1'];
    const unfound = cli(official);
    assert.notEqual(unfound.status, 0);
    assert.match(unfound.stderr, /^error: .*split/m);
    const run = cli([...official, '--split-dir', splits]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /data: skipped 3 clips the split files list but the disk lacks \(the first: .*missing_/);
    assert.match(run.stdout, /data: 3 classes, \d+ training, \d+ validation and 3 test clips/);
  });
});
