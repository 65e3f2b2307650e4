import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TINY_FLAGS, temp, tinySet } from './helpers.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(appDir, 'README.md'), 'utf8');

/** The rows of the README's "Bad inputs" table: input, commands, and the message as a pattern (`<...>` matches anything). */
function badInputRows(): Array<{ input: string; commands: string[]; message: string; pattern: RegExp }> {
  const start = readme.indexOf('## Bad inputs');
  assert.ok(start >= 0, 'README has a "Bad inputs" section');
  const rows = readme.slice(start).split('\n## ')[0].split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| input') && !l.startsWith('|---'));
  return rows.map((row) => {
    const [input, commands, message] = row.split(' | ').map((c) => c.replace(/^\| |\|$/g, '').trim());
    const text = /`([^`]+)`/.exec(message)![1];
    const pattern = new RegExp(text.split(/<[^>]+>/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?'));
    return { input, commands: [...commands.matchAll(/`([a-z]+)`/g)].map((m) => m[1]), message: text, pattern };
  });
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, ['--import', 'tsx', join(appDir, 'src', 'main.ts'), ...args], { cwd: appDir, encoding: 'utf8', env: { ...process.env, ...env } });
const TRAIN = [...TINY_FLAGS, '--backend', 'cpu', '--epochs', '2', '--warmup-epochs', '1', '--fine-tune-epochs', '0'];

describe('bad inputs (README table)', () => {
  /** Per README input: the output of each command run against it. */
  const outputs = new Map<string, (command: string) => { status: number | null; text: string }>();

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
    mkdirSync(join(data, 'fencing'));
    const run = join(root, 'run');
    const trained = cli(['train', '--data', data, '--out', run, ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    const of = (r: ReturnType<typeof cli>) => ({ status: r.status, text: r.stdout + r.stderr });
    for (const input of ['a class folder with no clips', 'a zero-byte clip', 'a text file named .avi', 'a clip cut off after 3,000 bytes']) outputs.set(input, () => of(trained));
    outputs.set('a dataset root that does not exist', () => of(cli(['train', '--data', join(root, 'missing'), '--out', join(root, 'r0'), ...TRAIN])));

    const damaged = (name: string, damage: (vibModel: string) => void) => {
      const copy = join(root, name);
      cpSync(run, copy, { recursive: true });
      damage(join(copy, 'vib-model'));
      return copy;
    };
    const truncated = damaged('truncated', (m) => writeFileSync(join(m, 'weights.bin'), readFileSync(join(m, 'weights.bin')).subarray(0, 1000)));
    outputs.set('a truncated weights.bin', (c) => of(cli([c, '--out', truncated])));
    // The model.json of a run with 6 units over this run's weights.
    const smaller = join(root, 'smaller');
    assert.equal(cli(['train', '--data', data, '--out', smaller, ...TRAIN, '--units', '6', '--epochs', '1']).status, 0);
    const other = damaged('other', (m) => writeFileSync(join(m, 'model.json'), readFileSync(join(smaller, 'vib-model', 'model.json'))));
    outputs.set('a model.json of another model', (c) => of(cli([c, '--out', other])));
    const killed = join(root, 'killed');
    const dying = cli(['train', '--data', data, '--out', killed, ...TRAIN, '--epochs', '3'], { TFJS_COMPRESS_KILL_AT: 'metrics-appended:3' });
    assert.equal(dying.signal, 'SIGKILL', dying.stderr);
    outputs.set('a run killed before its model was saved', (c) => of(cli([c, '--out', killed])));
    outputs.set('a run directory that `train` never wrote', (c) => of(cli([c, '--out', join(root, 'never')])));
  });

  for (const row of badInputRows()) {
    it(`${row.input}: ${row.commands.join(', ')} says so`, () => {
      const output = outputs.get(row.input);
      assert.ok(output, `no setup for the README row '${row.input}'`);
      for (const command of row.commands) {
        const { status, text } = output(command);
        assert.match(text, row.pattern, `${command}: expected ${row.message}\n${text}`);
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
