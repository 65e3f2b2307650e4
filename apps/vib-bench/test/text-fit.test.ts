import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir, useBackend } from '@tfjs-compress/testing';
import { bodyWords, loadSpamSplit, disposeSpamSplit, OOV, PAD } from '../src/spam-data.js';
import { TEXT_FIT_DEFAULTS, runTextFit } from '../src/text-fit.js';

describe('SpamAssassin text', () => {
  it('reads the body only, joins quoted-printable breaks, drops tags and escapes', () => {
    const mail = 'From: a@b.c\r\nSubject: Cheap stuff\r\n\r\n<p>Buy NOW, fri=\r\nends!</p> x =3D 5\r\n';
    assert.deepEqual(bodyWords(mail), ['buy', 'now', 'friends']);
    assert.deepEqual(bodyWords('Subject: headers only'), []);
  });

  it('splits by class with a seed, pads short messages and maps unknown words to OOV', async () => {
    await useBackend('cpu');
    const split = loadSpamSplit({ seed: 3, limit: 300, length: 200, vocabularySize: 50 });
    const again = loadSpamSplit({ seed: 3, limit: 300, length: 200, vocabularySize: 50 });
    assert.deepEqual(split.vocabulary, again.vocabulary, 'same seed, same vocabulary');
    assert.deepEqual(Array.from(split.test.x.dataSync()), Array.from(again.test.x.dataSync()), 'same seed, same split');
    const ids = Array.from(split.train.x.dataSync());
    assert.ok(ids.every((id) => Number.isInteger(id) && id >= PAD && id < 52));
    assert.ok(ids.includes(OOV) && ids.includes(PAD));
    const spam = Array.from(split.train.y.dataSync()).filter((y) => y === 1).length / split.train.y.shape[0];
    assert.ok(spam > 0.25 && spam < 0.37, `about a third spam, as in the corpus: ${spam}`);
    disposeSpamSplit(split);
    disposeSpamSplit(again);
  });

  it('trains Embedding -> Bidirectional(VIBLSTM) with the engine on wasm, and the compact model predicts what the hard-mask model predicts', async () => {
    const out = tempDir('text-fit-');
    const lines: string[] = [];
    const { routes } = await runTextFit(
      { ...TEXT_FIT_DEFAULTS, routes: ['pretrained'], epochs: 2, limit: 300, length: 16, vocabulary: 200, embedding: 8, units: 6, backend: 'wasm', out },
      (line) => lines.push(line),
    );
    const pretrained = routes.pretrained as { sameAsHardMaskModel: number; compression: number; compactTestAccuracy: number };
    assert.equal(pretrained.sameAsHardMaskModel, 1, lines.join('\n'));
    assert.ok(pretrained.compression >= 1);
    assert.ok(existsSync(join(out, 'spam-fit-s1.json')));
  });
});
