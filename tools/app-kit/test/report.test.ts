import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { chartJsSource, histogram, pixelKeepCounts, renderReport, type EpochRecord } from '../src/index.js';

const record = (epoch: number): EpochRecord => ({
  phase: 'vib', epoch, phaseEpoch: epoch, klFac: 0, loss: 1 / epoch, trainAccuracy: 0.5, testAccuracy: 0.4, testLoss: 1.2,
  keptInputs: 100 - epoch, keptUnits: 8 - epoch, batches: 3, seconds: 1, validationAccuracy: 0.45,
});

describe('histogram', () => {
  it('bins every value between min and max', () => {
    const h = histogram([0, 0.5, 1, 1, 2, 4], 4);
    assert.deepEqual(h.edges, [0, 1, 2, 3, 4]);
    assert.deepEqual(h.counts, [2, 2, 1, 1]);
    assert.deepEqual(histogram([], 3), { edges: [], counts: [] });
    assert.deepEqual(histogram([5, 5], 2).counts, [2, 0]);
  });
});

describe('pixelKeepCounts', () => {
  it('counts kept channels per pixel of an [h, w, c] mask', () => {
    const mask = [1, 0, 0, /**/ 1, 1, 1, /**/ 0, 0, 0, /**/ 0, 1, 1];
    assert.deepEqual([...pixelKeepCounts({ width: 2, height: 2, channels: 3, mask })], [1, 3, 0, 2]);
  });
});

describe('renderReport', () => {
  it('is one self-contained page: chart.js inlined, charts, data and pixel canvas embedded', () => {
    const html = renderReport({
      title: 'T <&>',
      table: [{ label: 'accuracy', before: '50%', after: '49%' }, { label: 'note', value: 'x' }],
      history: [record(1), record(2)],
      logAlpha: { 'input gate': histogram([-9, -8, 1, 2], 4) },
      pixels: { width: 2, height: 1, channels: 3, mask: [1, 1, 1, 0, 0, 0], frame: new Uint8Array(6).fill(200) },
      notes: 'layer table',
    });
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes(chartJsSource().slice(0, 200)), 'chart.js UMD inlined');
    assert.ok(!/<script[^>]+src=/.test(html), 'no external scripts');
    for (const id of ['loss', 'accuracy', 'units', 'inputs', 'klfac', 'hist0', 'pixels']) assert.ok(html.includes(`id="${id}"`), id);
    assert.ok(html.includes('T &#60;&#38;&#62;'), 'title escaped');
    const payload = JSON.parse(/const data = (.*);\n/.exec(html)![1]) as { history: EpochRecord[]; pixels: { counts: string } };
    assert.equal(payload.history.length, 2);
    assert.deepEqual([...Buffer.from(payload.pixels.counts, 'base64')], [3, 0]);

    // Run the page's own script against a stub DOM and a stub Chart: no errors, every chart built, pixels drawn.
    const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].at(-1)![1];
    const charts: { type: string; data: { datasets: { data: unknown[] }[] } }[] = [];
    const image = { data: new Uint8ClampedArray(2 * 1 * 4) };
    const canvas = { style: {}, getContext: () => ({ createImageData: () => image, putImageData: () => undefined }) };
    runInNewContext(script, {
      document: { getElementById: () => canvas },
      Chart: function Chart(_el: unknown, config: (typeof charts)[number]) { charts.push(config); },
      atob,
    });
    assert.deepEqual([...charts.map((c) => c.type)], ['line', 'line', 'line', 'line', 'line', 'bar']);
    assert.deepEqual([...charts[0].data.datasets[0].data], [1, 0.5]);
    assert.deepEqual([...charts[1].data.datasets[1].data], [40, 40]);
    assert.deepEqual([...charts[1].data.datasets[2].data], [45, 45], 'the validation curve the budget judges on');
    assert.equal(image.data[0], 255, 'a fully kept pixel is bright red');
    assert.equal(image.data[4], 100, 'a pruned pixel shows the frame (grey)');
  });
});
