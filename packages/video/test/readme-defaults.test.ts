import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readmeDefault } from '@tfjs-compress/testing';
import { DEFAULT_BATCH_LAYOUT, DEFAULT_LABEL_ENCODING } from '../src/batch-tensors.js';
import { DEFAULT_DECODE_TIMEOUT_MS, DEFAULT_SCALE_FLAGS } from '../src/decode-clip.js';
import { DEFAULT_QUALITY } from '../src/encode-video.js';
import { DEFAULT_FLIP_PROBABILITY, DEFAULT_SHORT_CLIP_POLICY } from '../src/frame-sampler.js';
import { DEFAULT_NORMALIZATION } from '../src/normalization.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_FRAMES_PER_CLIP, DEFAULT_HEIGHT, DEFAULT_PREFETCH_BATCHES, DEFAULT_SEED, DEFAULT_WIDTH } from '../src/stream-options.js';
import { DEFAULT_SYNTHETIC_DIFFICULTY } from '../src/synthetic-clip.js';
import {
  DEFAULT_SYNTHETIC_CLIPS_PER_GROUP, DEFAULT_SYNTHETIC_FORMAT, DEFAULT_SYNTHETIC_FPS, DEFAULT_SYNTHETIC_FRAMES, DEFAULT_SYNTHETIC_GROUPS,
} from '../src/synthetic-dataset.js';

// Most defaults are not exported: the README's tables are where users read them, so they must match the code.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const quoted = (s: string) => `'${s}'`;

describe('the README states the defaults the code has', () => {
  it('VideoBatchStream', () => {
    const section = '## `VideoBatchStream(clips, options)`';
    const cell = (option: string) => readmeDefault(readme, section, option);
    assert.equal(Number(cell('batchSize')), DEFAULT_BATCH_SIZE);
    assert.equal(Number(cell('framesPerClip')), DEFAULT_FRAMES_PER_CLIP);
    assert.equal(Number(cell('seed')), DEFAULT_SEED);
    assert.equal(Number(cell('prefetchBatches')), DEFAULT_PREFETCH_BATCHES);
    assert.equal(Number(cell('flipProbability')), DEFAULT_FLIP_PROBABILITY);
    assert.equal(cell('shortClip'), quoted(DEFAULT_SHORT_CLIP_POLICY));
    assert.equal(cell('layout'), quoted(DEFAULT_BATCH_LAYOUT));
    assert.equal(cell('normalization'), quoted(DEFAULT_NORMALIZATION as string));
    assert.equal(cell('labelEncoding'), quoted(DEFAULT_LABEL_ENCODING));
    // Rows that name several options: 'width, height' and 'ffmpegPath, timeoutMs, scaleFlags'.
    const row = (first: string) => readme.slice(readme.indexOf(section)).split('\n').find((l) => l.startsWith(`| \`${first}\`,`)) ?? '';
    assert.ok(row('width').includes(`\`${DEFAULT_WIDTH}\`, \`${DEFAULT_HEIGHT}\``), row('width'));
    assert.ok(row('ffmpegPath').includes(`\`${DEFAULT_DECODE_TIMEOUT_MS}\`, \`'${DEFAULT_SCALE_FLAGS}'\``), row('ffmpegPath'));
  });

  it('generateSyntheticDataset', () => {
    const section = '## Synthetic dataset: `generateSyntheticDataset(options)`';
    const cell = (option: string) => readmeDefault(readme, section, option);
    assert.equal(Number(cell('groupsPerClass')), DEFAULT_SYNTHETIC_GROUPS);
    assert.equal(Number(cell('clipsPerGroup')), DEFAULT_SYNTHETIC_CLIPS_PER_GROUP);
    assert.equal(Number(cell('framesPerClip')), DEFAULT_SYNTHETIC_FRAMES);
    assert.equal(Number(cell('fps')), DEFAULT_SYNTHETIC_FPS);
    assert.equal(cell('format'), quoted(DEFAULT_SYNTHETIC_FORMAT));
    assert.equal(Number(cell('quality')), DEFAULT_QUALITY);
    assert.equal(cell('difficulty'), quoted(DEFAULT_SYNTHETIC_DIFFICULTY));
  });
});
