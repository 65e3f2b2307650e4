import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertBrowserBundle } from '@tfjs-compress/testing';
import * as frames from '@tfjs-compress/video/frames';
import * as root from '@tfjs-compress/video';

it('the frames subpath bundles for a browser page (esbuild, platform browser): nothing it imports needs node:', () =>
  assertBrowserBundle(import.meta.url, 'frames'));

it('the frames subpath exports the root entry\'s own sampling, normalisation and gathering, not copies', () => {
  const names = Object.keys(frames).sort();
  assert.deepEqual(names, [
    'DEFAULT_NORMALIZATION', 'DEFAULT_SHORT_CLIP_POLICY', 'FeatureGather', 'IMAGENET_MEAN', 'IMAGENET_STD',
    'gatherFrames', 'normalizationTable', 'normalizeInto', 'sampleFrameIndices',
  ]);
  for (const name of names) assert.equal(frames[name as keyof typeof frames], root[name as keyof typeof root], name);
});
