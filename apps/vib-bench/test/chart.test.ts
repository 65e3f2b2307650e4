import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SweepResult } from '@tfjs-compress/vib';
import { sweepSvg, writeSweep } from '../src/chart.js';

const result: SweepResult = {
  parameter: 'klFac',
  points: [
    { value: 1e-4, accuracy: 0.97, compression: 1.2 },
    { value: 1e-3, accuracy: 0.965, compression: 8 },
    { value: 1e-2, accuracy: 0.95, compression: 25 },
    { value: 3e-2, accuracy: 0.9, compression: 60 },
  ],
};

describe('sweep chart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vib-sweep-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes sweep.json, sweep.svg and sweep.html with every point', () => {
    const files = writeSweep(dir, result, { title: 'LSTM <test>', baselineAccuracy: 0.968, extra: { task: 'pulse' } });
    const json = JSON.parse(readFileSync(files.json, 'utf8'));
    assert.equal(json.parameter, 'klFac');
    assert.equal(json.task, 'pulse');
    assert.equal(json.baselineAccuracy, 0.968);
    assert.deepEqual(json.points, result.points);
    const svg = readFileSync(files.svg, 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 4);
    assert.match(svg, /LSTM &lt;test&gt;/, 'the title is escaped');
    assert.match(svg, /stroke-dasharray/, 'the baseline is drawn');
    assert.match(svg, /<polyline /, 'the Pareto front is drawn');
    const html = readFileSync(files.html, 'utf8');
    assert.match(html, /<!doctype html>/);
    assert.ok(html.includes(svg.trim()), 'the page embeds the chart');
    assert.equal((html.match(/<tr><td>/g) ?? []).length, 4);
  });

  it('places higher accuracy higher and more compression further right', () => {
    const svg = sweepSvg(result, { title: 't' });
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    for (let i = 1; i < circles.length; i++) {
      assert.ok(circles[i][0] > circles[i - 1][0], 'x grows with compression');
      assert.ok(circles[i][1] > circles[i - 1][1], 'y (screen) grows as accuracy falls');
    }
  });
});
