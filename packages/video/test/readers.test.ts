import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import {
  formatDatasetSummary, generateSyntheticDataset, InvalidArgumentError, readClassFolders, readDataset, readUcf101, readUcf11, readHmdb51, readOfficialSplit,
  summarizeDataset,
} from '../src/index.js';
import { tempDir } from './helpers.js';

async function touch(root: string, rel: string, content = 'x'): Promise<void> {
  await mkdir(dirname(join(root, rel)), { recursive: true });
  await writeFile(join(root, rel), content);
}

describe('readUcf11', () => {
  it('reads a generated UCF11 tree, with and without an extra top folder', async () => {
    const dir = await tempDir();
    const plain = await generateSyntheticDataset({ root: join(dir, 'plain'), classes: 3, groupsPerClass: 2, clipsPerGroup: 2, framesPerClip: 4, width: 32, height: 24 });
    const nested = await generateSyntheticDataset({ root: join(dir, 'nested'), classes: 3, groupsPerClass: 2, clipsPerGroup: 2, framesPerClip: 4, width: 32, height: 24, format: 'mp4', topFolder: 'UCF11_updated_mpg' });
    for (const [root, generated] of [[join(dir, 'plain'), plain], [join(dir, 'nested'), nested]] as const) {
      const index = await readUcf11(root);
      assert.equal(index.root, generated.root);
      assert.deepEqual(index.classes, ['basketball', 'biking', 'diving']);
      assert.equal(index.clips.length, 12);
      assert.deepEqual(index.clips.map((c) => c.path).sort(), generated.files.map((f) => f.path).sort());
      for (const clip of index.clips) {
        const file = generated.files.find((f) => f.path === clip.path);
        assert.ok(file);
        assert.deepEqual([clip.className, clip.label, clip.group], [file.className, file.label, file.group]);
      }
    }
  });

  it('takes the group from the v_<name>_<gg> folder even when the name differs from the class, mixed extensions, and ignores other folders', async () => {
    const root = await tempDir();
    await touch(root, 'basketball/v_shooting_01/v_shooting_01_01.avi');
    await touch(root, 'basketball/v_shooting_01/v_shooting_01_02.mpg');
    await touch(root, 'basketball/v_shooting_02/v_shooting_02_01.MKV');
    await touch(root, 'basketball/v_shooting_02/notes.txt');
    await touch(root, 'basketball/Annotation/v_shooting_01_01.xgtf');
    await touch(root, 'walking/v_walk_dog_07/v_walk_dog_07_03.mp4');
    await touch(root, 'walking/v_walk_dog_09_01.avi');
    const index = await readUcf11(root);
    assert.deepEqual(index.classes, ['basketball', 'walking']);
    assert.deepEqual(index.clips.map((c) => [c.path.slice(root.length + 1), c.label, c.group]), [
      ['basketball/v_shooting_01/v_shooting_01_01.avi', 0, '01'],
      ['basketball/v_shooting_01/v_shooting_01_02.mpg', 0, '01'],
      ['basketball/v_shooting_02/v_shooting_02_01.MKV', 0, '02'],
      ['walking/v_walk_dog_07/v_walk_dog_07_03.mp4', 1, '07'],
      ['walking/v_walk_dog_09_01.avi', 1, '09'],
    ]);
  });

  it('rejects a tree without clips or a missing root', async () => {
    const root = await tempDir();
    await touch(root, 'a/b/readme.txt');
    await assert.rejects(readUcf11(root), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'root');
    await assert.rejects(readUcf11(join(root, 'nope')), (e: unknown) => InvalidArgumentError.isInstance(e) && /existing directory/.test(e.message));
  });
});

describe('readClassFolders', () => {
  it('reads <root>/<class>/<clip> with groups from a pattern or none, tolerating a top folder', async () => {
    const root = await tempDir();
    await touch(root, 'hmdb51/brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_0.avi');
    await touch(root, 'hmdb51/brush_hair/Blonde_being_brushed_brush_hair_f_nm_np2_ri_med_0.avi');
    await touch(root, 'hmdb51/cartwheel/April_09_cartwheel_f_cm_np1_le_med_1.avi');
    await touch(root, 'hmdb51/cartwheel/readme.txt');
    const plain = await readClassFolders(root);
    assert.equal(plain.root, join(root, 'hmdb51'));
    assert.deepEqual(plain.classes, ['brush_hair', 'cartwheel']);
    assert.deepEqual(plain.clips.map((c) => [c.label, c.group]), [[0, null], [0, null], [1, null]]);
    const grouped = await readClassFolders(root, { groupPattern: /^([A-Za-z]+)_/g });
    assert.deepEqual(grouped.clips.map((c) => c.group), ['April', 'Blonde', 'April']);
    const fromString = await readClassFolders(root, { groupPattern: '^[A-Za-z]+' });
    assert.deepEqual(fromString.clips.map((c) => c.group), ['April', 'Blonde', 'April']);
    await assert.rejects(readClassFolders(root, { groupPattern: '(' }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'groupPattern');
    const auto = await readDataset(root);
    assert.equal(auto.layout, 'folders');
    assert.equal(auto.clips.length, 3);
  });
});

describe('readUcf101', () => {
  async function makeUcf101(root: string): Promise<void> {
    await touch(root, 'ucfTrainTestlist/classInd.txt', '1 ApplyEyeMakeup\r\n2 HandstandPushups\r\n3 YoYo\r\n');
    await touch(root, 'ucfTrainTestlist/trainlist01.txt', [
      'ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1',
      'HandstandPushups/v_HandStandPushups_g08_c01.avi 2',
      'YoYo/v_YoYo_g09_c02.avi 3',
      'YoYo/v_YoYo_g10_c01.avi 3',
      '',
    ].join('\n'));
    await touch(root, 'ucfTrainTestlist/testlist01.txt', [
      'ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi',
      'handstandpushups/v_HandStandPushups_g01_c03.avi',
      'YoYo/v_YoYo_g02_c01.avi',
    ].join('\n'));
    for (const rel of [
      'ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi', 'HandstandPushups/v_HandStandPushups_g08_c01.avi', 'YoYo/v_YoYo_g09_c02.avi',
      'ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi', 'HandstandPushups/v_HandStandPushups_g01_c03.avi', 'YoYo/v_YoYo_g02_c01.avi',
    ]) await touch(root, join('UCF-101', rel));
  }

  it('reads classInd, the labelled train list and the unlabelled test list', async () => {
    const root = await tempDir();
    await makeUcf101(root);
    const split = await readUcf101(root);
    assert.deepEqual(split.index.classes, ['ApplyEyeMakeup', 'HandstandPushups', 'YoYo']);
    assert.equal(split.index.root, join(root, 'UCF-101'));
    assert.deepEqual(split.train.map((c) => [c.label, c.group]), [[0, '08'], [1, '08'], [2, '09']]);
    assert.deepEqual(split.test.map((c) => [c.label, c.className, c.group]), [[0, 'ApplyEyeMakeup', '01'], [1, 'HandstandPushups', '01'], [2, 'YoYo', '02']]);
    // Case differences between list and disk are resolved to the real path.
    assert.equal(split.test[1].path, join(root, 'UCF-101', 'HandstandPushups', 'v_HandStandPushups_g01_c03.avi'));
    assert.deepEqual(split.missing, [join(root, 'UCF-101', 'YoYo/v_YoYo_g10_c01.avi')]);
    assert.equal(split.index.clips.length, 6);
    const auto = await readDataset(root);
    assert.equal(auto.layout, 'ucf101');
  });

  it('rejects a train label that disagrees with classInd, naming the line', async () => {
    const root = await tempDir();
    await makeUcf101(root);
    await touch(root, 'ucfTrainTestlist/trainlist01.txt', 'YoYo/v_YoYo_g09_c02.avi 1\n');
    await assert.rejects(readUcf101(root), (e: unknown) => InvalidArgumentError.isInstance(e) && /line 1/.test(e.message) && e.option === 'trainlist01.txt');
    await assert.rejects(readUcf101(root, { split: 2 }), (e: unknown) => InvalidArgumentError.isInstance(e) && /trainlist02/.test(e.message));
  });
});

describe('readHmdb51', () => {
  /** Two classes, split files for splits 1 and 2, one listed clip missing on disk, in the layout HMDB51 ships. */
  async function makeHmdb51(root: string): Promise<void> {
    const lists: Record<string, string[]> = {
      brush_hair: ['April_09_brush_hair_u_nm_np1_ba_goo_0.avi 1', 'Blonde_brush_hair_f_nm_np1_le_goo_0.avi 2', 'Brushing_hair_u_nm_np1_fr_goo_0.avi 0', 'Gone_brush_hair_u_nm_np1_ri_goo_0.avi 1'],
      cartwheel: ['Acrobacias_cartwheel_f_cm_np1_ba_bad_0.avi 2', 'Bodenturnen_cartwheel_f_cm_np1_le_med_0.avi 1 '],
    };
    for (const [name, lines] of Object.entries(lists)) {
      await touch(root, `testTrainMulti_7030_splits/${name}_test_split1.txt`, `${lines.join('\r\n')}\r\n`);
      await touch(root, `testTrainMulti_7030_splits/${name}_test_split2.txt`, lines.map((l) => l.replace(/ ([12])\s*$/, (_, d: string) => (d === '1' ? ' 2' : ' 1'))).join('\n'));
      for (const line of lines) if (!line.startsWith('Gone')) await touch(root, `hmdb51_org/${name}/${line.split(' ')[0]}`);
    }
  }

  it('reads the per-class split files: 1 training, 2 test, 0 unused; a listed clip missing on disk is skipped and counted', async () => {
    const root = await tempDir();
    await makeHmdb51(root);
    const split = await readHmdb51(root);
    assert.deepEqual(split.index.classes, ['brush_hair', 'cartwheel']);
    assert.equal(split.index.layout, 'hmdb51');
    assert.deepEqual(split.train.map((c) => [c.className, c.label]), [['brush_hair', 0], ['cartwheel', 1]]);
    assert.deepEqual(split.test.map((c) => c.path), [join(root, 'hmdb51_org', 'brush_hair', 'Blonde_brush_hair_f_nm_np1_le_goo_0.avi'), join(root, 'hmdb51_org', 'cartwheel', 'Acrobacias_cartwheel_f_cm_np1_ba_bad_0.avi')]);
    assert.equal(split.unused, 1);
    assert.deepEqual(split.missing, [join(root, 'hmdb51_org', 'brush_hair', 'Gone_brush_hair_u_nm_np1_ri_goo_0.avi')]);
    // Split 2 swaps the roles here; 'auto' and readOfficialSplit find the layout.
    const second = await readHmdb51(root, { split: 2 });
    assert.deepEqual(second.test.map((c) => c.className), ['brush_hair', 'cartwheel']);
    assert.equal((await readDataset(root)).layout, 'hmdb51');
    assert.equal((await readOfficialSplit(root, { split: 2 })).test.length, 2);
  });

  it('names a missing clip when asked to, a malformed line, and a split with no files', async () => {
    const root = await tempDir();
    await makeHmdb51(root);
    await assert.rejects(readHmdb51(root, { missingClips: 'error' }), (e: unknown) => InvalidArgumentError.isInstance(e) && /Gone_brush_hair/.test(e.message) && e.option === 'brush_hair_test_split1.txt');
    await assert.rejects(readHmdb51(root, { split: 3 }), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'split');
    await touch(root, 'testTrainMulti_7030_splits/cartwheel_test_split1.txt', 'Acrobacias_cartwheel_f_cm_np1_ba_bad_0.avi train\n');
    await assert.rejects(readHmdb51(root), (e: unknown) => InvalidArgumentError.isInstance(e) && /line 1/.test(e.message) && e.option === 'cartwheel_test_split1.txt');
    await assert.rejects(readOfficialSplit(await tempDir()), (e: unknown) => InvalidArgumentError.isInstance(e) && e.option === 'root');
  });
});

describe('dataset summary', () => {
  it('counts classes, clips per class and groups', async () => {
    const root = await tempDir();
    await touch(root, 'b/v_b_01/v_b_01_01.avi');
    await touch(root, 'b/v_b_02/v_b_02_01.avi');
    await touch(root, 'b/v_b_02/v_b_02_02.mp4');
    await touch(root, 'a/v_a_01/v_a_01_01.avi');
    const index = await readDataset(root);
    assert.equal(index.layout, 'ucf11');
    const summary = summarizeDataset(index);
    assert.deepEqual(summary.perClass, [
      { className: 'a', label: 0, clips: 1, groups: 1 },
      { className: 'b', label: 1, clips: 3, groups: 2 },
    ]);
    assert.deepEqual([summary.numClasses, summary.numClips, summary.numGroups], [2, 4, 2]);
    assert.deepEqual(summary.extensions, { '.avi': 3, '.mp4': 1 });
    const text = formatDatasetSummary(index);
    assert.match(text, /2 classes, 4 clips, 2 groups/);
    assert.match(text, /\n\s+1\s+b\s+3\s+2$/);
  });
});
