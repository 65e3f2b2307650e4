import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '@tfjs-compress/testing';
import { MetricsLog, PREVIOUS_SUFFIX, carveValidation, existingDir, fixedRamp, majorityShare, replaceDirAtomic, toJson, writeJsonAtomic } from '../src/index.js';

const temp = () => tempDir('app-kit-');

describe('atomic files', () => {
  it('replaceDirAtomic swaps a directory and leaves no temporary behind', async () => {
    const root = temp();
    const dir = join(root, 'ckpt');
    await replaceDirAtomic(dir, async (t) => writeFileSync(join(t, 'a.txt'), 'one'));
    await replaceDirAtomic(dir, async (t) => writeFileSync(join(t, 'a.txt'), 'two'));
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'two');
    assert.equal(existsSync(`${dir}${PREVIOUS_SUFFIX}`), false);
    assert.equal(existsSync(`${dir}.${process.pid}.tmp`), false);
  });

  it('a failed fill leaves the old copy in place', async () => {
    const root = temp();
    const dir = join(root, 'ckpt');
    await replaceDirAtomic(dir, async (t) => writeFileSync(join(t, 'a.txt'), 'one'));
    await assert.rejects(replaceDirAtomic(dir, async () => Promise.reject(new Error('disk full'))), /disk full/);
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'one');
  });

  it('existingDir falls back to the previous copy after a crash mid-swap', () => {
    const root = temp();
    const dir = join(root, 'ckpt');
    assert.equal(existingDir(dir), null);
    writeFileSync(join(root, 'x'), '');
    renameSync(join(root, 'x'), `${dir}${PREVIOUS_SUFFIX}`);
    assert.equal(existingDir(dir), `${dir}${PREVIOUS_SUFFIX}`);
  });

  it('toJson writes non-finite numbers as null', async () => {
    assert.equal(toJson({ a: Infinity, b: NaN, c: 1 }, 0), '{"a":null,"b":null,"c":1}');
    const path = join(temp(), 'sub', 'x.json');
    await writeJsonAtomic(path, { ok: true });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { ok: true });
  });
});

describe('MetricsLog', () => {
  it('appends one JSON line per record and rewrites on resume', async () => {
    const log = new MetricsLog<{ epoch: number; loss: number }>(join(temp(), 'm', 'metrics.jsonl'));
    assert.deepEqual(log.read(), []);
    log.append({ epoch: 1, loss: 0.5 });
    log.append({ epoch: 2, loss: 0.25 });
    assert.deepEqual(log.read(), [{ epoch: 1, loss: 0.5 }, { epoch: 2, loss: 0.25 }]);
    assert.equal(readFileSync(log.path, 'utf8').split('\n').filter(Boolean).length, 2);
    await log.rewrite([{ epoch: 1, loss: 0.5 }]);
    assert.deepEqual(log.read(), [{ epoch: 1, loss: 0.5 }]);
  });
});

describe('validation clips', () => {
  const clips = Array.from({ length: 40 }, (_, i) => ({ id: i, label: i < 30 ? i % 3 : 3 }));

  it('holds out the share of every class, seeded, disjoint from the training clips', () => {
    const a = carveValidation(clips, 0.2, 7);
    const b = carveValidation(clips, 0.2, 7);
    assert.deepEqual(a, b);
    assert.notDeepEqual(carveValidation(clips, 0.2, 8).validation, a.validation);
    assert.equal(a.train.length + a.validation.length, clips.length);
    assert.ok(a.validation.every((c) => !a.train.includes(c)));
    // 10 clips per class: 2 held out of each.
    for (const label of [0, 1, 2, 3]) assert.equal(a.validation.filter((c) => c.label === label).length, 2, `class ${label}`);
    // A class of one clip keeps it for training; a tiny share still holds out one clip per class.
    assert.deepEqual(carveValidation([{ label: 0 }, { label: 1 }, { label: 1 }], 0.01, 1).validation, [{ label: 1 }]);
    assert.throws(() => carveValidation(clips, 1, 1), /validationFraction/);
  });

  it('chance is the majority share', () => {
    assert.equal(majorityShare([0, 1, 1, 2]), 0.5);
    assert.equal(majorityShare([]), 0);
  });

  it('the fixed ramp names a bad klFac', () => {
    assert.throws(() => fixedRamp(-1, 1, 1), /klFac/);
    assert.equal(fixedRamp(1e-3, 2, 4).warmupEpochs, 2);
    assert.equal(fixedRamp(1e-3, 2, 4).policy().kind, 'fixed');
  });
});
