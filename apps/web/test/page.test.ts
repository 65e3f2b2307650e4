/**
 * The built page in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core, which brings no browser of its own): it loads without
 * console errors, the shipped clips are decoded and classified as Node did,
 * the shipped compact model classifies the shipped sequences as Node did,
 * the in-page compression finishes with a smaller model, and a screenshot
 * lands in test-output/page.png.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { decodeClip } from '@tfjs-compress/video';
import { decodeLikeBrowser } from '../scripts/clips/browser-rgb.js';
import type { ClipManifest } from '../src/clip-manifest.js';
import type { ClipRow, ClipsResult } from '../src/clips-panel.js';
import type { CompressResult } from '../src/compress-panel.js';
import type { LoadResult } from '../src/load-panel.js';
import type { PageHandle } from '../src/main.js';
import type { ShippedSequences } from '../src/shipped.js';
import { serveStatic } from '../scripts/static-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(appDir, 'dist');
const screenshot = join(appDir, 'test-output', 'page.png');

/**
 * Page vs Node probabilities: the page computes on webgl (or wasm), Node on
 * wasm, with different kernels (shader arithmetic, other summation orders and
 * exp/tanh approximations) on float32. Their results differ by a few float32
 * ulps per op, ~1e-6 after 12 LSTM steps and a softmax (5e-7 measured on
 * headless Chromium's webgl); 1e-4 leaves room for other GPUs while still
 * catching a wrong weight or a wrong input feature, which move probabilities
 * by far more.
 */
const TOLERANCE = 1e-4;

/**
 * Page vs Node probabilities of the clips, the same measure on the same
 * pixels (the next test checks they are the same pixels): 1.2e-7 measured
 * on headless Chromium's webgl against Node's wasm. The same 1e-4 as the
 * sequences, for the same reasons.
 */
const CLIP_TOLERANCE = 1e-4;
/**
 * Node on ffmpeg's own rgb24 frames (the app's decoder, which rounds YUV ->
 * RGB up to 3 levels away from the browser) against the page: 1.2e-2
 * measured. Not a page property; a bound that catches a conversion far worse
 * than rounding.
 */
const FFMPEG_RGB_TOLERANCE = 0.05;

const missing = existsSync(CHROMIUM)
  ? null
  : `Chromium is not at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`;
if (missing != null && process.env.CI) throw new Error(`the page test needs a browser. ${missing}`);

describe('web page in headless Chromium', { skip: missing ?? false, timeout: 200_000 }, () => {
  let browser: Browser;
  let server: Server;
  let page: Page;
  let url: string;
  const consoleErrors: string[] = [];

  before(async () => {
    if (!['index.html', 'model/model.json', 'clips/clips.json'].every((file) => existsSync(join(distDir, file)))) {
      // `npm test` builds first (turbo: test depends on build); run alone, the test builds.
      const build = spawnSync('npm', ['run', 'build'], { cwd: appDir, stdio: 'inherit' });
      assert.equal(build.status, 0, 'npm run build');
    }
    ({ url, server } = await serveStatic(distDir));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // A synthetic camera (a moving test pattern), granted without asking: the camera button's test.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    await page.goto(url);
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  const state = () => page.evaluate(() => ({ state: window.tfjsCompressWeb.state, error: window.tfjsCompressWeb.error }));

  it('loads, picks a backend and shows it', async () => {
    await page.waitForFunction(() => ['loaded', 'error'].includes(window.tfjsCompressWeb?.state), null, { timeout: 60_000 });
    assert.deepEqual(await state(), { state: 'loaded', error: null });
    const backend = await page.evaluate(() => window.tfjsCompressWeb.backend);
    assert.ok(['webgpu', 'webgl', 'wasm'].includes(backend ?? ''), `backend ${backend}`);
    assert.match((await page.textContent('#backend')) ?? '', new RegExp(`^${backend} `));
    assert.deepEqual(consoleErrors, []);
  });

  it('decodes and classifies every shipped clip in the page as Node did', async () => {
    const manifest = JSON.parse(readFileSync(join(distDir, 'clips', 'clips.json'), 'utf8')) as ClipManifest;
    const result = (await page.evaluate(() => window.tfjsCompressWeb.clips)) as ClipsResult;
    assert.ok(manifest.clips.length >= 4 && manifest.clips.length <= 8, `${manifest.clips.length} shipped clips`);
    assert.equal(result.clips.length, manifest.clips.length);
    result.clips.forEach((row, n) => {
      const clip = manifest.clips[n];
      assert.equal(row.file, clip.file);
      assert.equal(row.numFrames, clip.numFrames, `${clip.file}: frames the page counts`);
      assert.deepEqual(row.frameIndices, clip.frameIndices, `${clip.file}: test-mode frames`);
      assert.equal(row.predicted, row.nodePredicted, `${clip.file}: the page's class`);
      row.probabilities.forEach((p, c) =>
        assert.ok(Math.abs(p - clip.nodeProbabilities[c]) <= CLIP_TOLERANCE, `${clip.file} class ${c}: page ${p} vs Node ${clip.nodeProbabilities[c]}`),
      );
      row.uint8.probabilities.forEach((p, c) =>
        assert.ok(Math.abs(p - clip.nodeUint8Probabilities[c]) <= CLIP_TOLERANCE, `${clip.file} class ${c}: uint8 page ${p} vs Node ${clip.nodeUint8Probabilities[c]}`),
      );
      assert.deepEqual(row.keptBytes, { equal: row.keptBytes.total, total: clip.nodeKeptBytes.length, maxDifference: 0 }, `${clip.file}: kept pixel bytes`);
      assert.ok(row.ffmpegRgb.maxDifference <= FFMPEG_RGB_TOLERANCE, `${clip.file}: ffmpeg rgb24 probabilities ${row.ffmpegRgb.maxDifference} away`);
      // The compact model equals the hard-mask VIB model it was cut from.
      assert.equal(row.vib.predicted, row.predicted);
      assert.ok(row.vib.maxDifferenceFromCompact < 1e-5, `${clip.file}: VIB vs compact ${row.vib.maxDifferenceFromCompact}`);
      assert.ok(row.times.decodeMs > 0 && row.times.gatherMs >= 0 && row.times.modelMs > 0);
    });
    // The two models side by side, and the uint8 copy's accuracy and bytes.
    const uint8File = readFileSync(join(distDir, 'clips', 'compact-uint8', 'weights.bin')).length;
    assert.equal(result.compact.uint8Bytes, uint8File);
    assert.ok(result.compact.uint8Bytes * 3 < result.compact.weightBytes, `uint8 ${result.compact.uint8Bytes} vs float32 ${result.compact.weightBytes}`);
    assert.ok(result.compact.params * 10 < result.vib.params, `params ${result.compact.params} vs ${result.vib.params}`);
    assert.ok(result.compact.weightBytes * 10 < result.vib.weightBytes && result.vib.uint8Bytes < result.vib.weightBytes);
    assert.ok(result.compact.latency.medianMs > 0 && result.vib.latency.medianMs > 0);
    const right = (pick: (row: ClipRow) => number) => result.clips.filter((row) => pick(row) === row.label).length;
    assert.equal(result.uint8.correct, right((row) => row.uint8.predicted));
    const n = manifest.clips.length;
    assert.match((await page.textContent('[data-k="clips-agreement"]')) ?? '', new RegExp(`^${n}/${n} classes; probabilities within `));
    assert.match((await page.textContent('[data-k="clips-accuracy"]')) ?? '', new RegExp(`uint8 copy ${result.uint8.correct}/${n}, `));
    assert.match((await page.textContent('[data-k="clip-uint8-bytes"]')) ?? '', /^\d+\.\d+ KiB$|^\d+ B$/);
    assert.equal(await page.locator('#clips table.clips video').count(), n);
    assert.deepEqual(consoleErrors, []);
  });

  it('decodes the pixels Node decodes: the same YUV planes, converted to RGB as libyuv does; ffmpeg rgb24 within 3 levels', async () => {
    const manifest = JSON.parse(readFileSync(join(distDir, 'clips', 'clips.json'), 'utf8')) as ClipManifest;
    const frames = await page.evaluate(() => window.tfjsCompressWeb.clipsPanel!.lastFrames.map((clip) => Array.from(clip.data)));
    const { width, height } = manifest;
    const frameBytes = width * height * 3;
    for (const [n, clip] of manifest.clips.entries()) {
      const file = join(distDir, 'clips', clip.file);
      const asBrowser = await decodeLikeBrowser(file, { width, height });
      const ffmpeg = await decodeClip(file, { width, height });
      let differentFromBrowser = 0;
      let maxFromFfmpeg = 0;
      clip.frameIndices.forEach((frame, t) => {
        for (let i = 0; i < frameBytes; i++) {
          const pageByte = frames[n][t * frameBytes + i];
          if (pageByte !== asBrowser.data[frame * frameBytes + i]) differentFromBrowser++;
          maxFromFfmpeg = Math.max(maxFromFfmpeg, Math.abs(pageByte - ffmpeg.data[frame * frameBytes + i]));
        }
      });
      assert.equal(differentFromBrowser, 0, `${clip.file}: bytes unlike ffmpeg's YUV planes through libyuv's BT.601 conversion`);
      assert.ok(maxFromFfmpeg <= 3, `${clip.file}: ${maxFromFfmpeg} levels from ffmpeg's rgb24`);
    }
  });

  it('leaks no tensor and gives the same answers when it classifies the clips again', async () => {
    const [before, afterRuns, again] = await page.evaluate(async () => {
      const web = window.tfjsCompressWeb as PageHandle;
      const start = web.tf.memory().numTensors;
      const rows = await web.clipsPanel!.classifyAll();
      return [start, web.tf.memory().numTensors, rows] as const;
    });
    assert.equal(afterRuns, before);
    const first = (await page.evaluate(() => window.tfjsCompressWeb.clips)) as ClipsResult;
    const withoutTimes = (rows: readonly ClipRow[]) => rows.map(({ times: _, ...row }) => row);
    assert.deepEqual(withoutTimes(again), withoutTimes(first.clips));
  });

  it("classifies Chromium's fake camera window by window, and stops it", async () => {
    const before = await page.evaluate(() => window.tfjsCompressWeb.tf.memory().numTensors);
    await page.click('#camera');
    await page.waitForFunction(() => (window.tfjsCompressWeb.camera.last?.classified ?? 0) >= 3 || window.tfjsCompressWeb.camera.error != null, null, {
      timeout: 20_000,
    });
    const camera = await page.evaluate(() => window.tfjsCompressWeb.camera);
    assert.equal(camera.error, null);
    assert.equal(camera.running, true);
    const last = camera.last!;
    const manifest = JSON.parse(readFileSync(join(distDir, 'clips', 'clips.json'), 'utf8')) as ClipManifest;
    assert.equal(last.probabilities.length, manifest.classes.length);
    assert.ok(Math.abs(last.probabilities.reduce((s, p) => s + p, 0) - 1) < 1e-5, `probabilities ${last.probabilities}`);
    assert.ok(last.frames >= manifest.clips[0].numFrames, `${last.frames} frames before a window`);
    assert.ok(last.cameraWidth > 0 && last.modelMs > 0);
    assert.match((await page.textContent('.camera-result')) ?? '', new RegExp(`^(${manifest.classes.join('|')}) \\(`));
    await page.click('#camera');
    const stopped = await page.evaluate(() => ({ running: window.tfjsCompressWeb.camera.running, stream: document.querySelector<HTMLVideoElement>('video.camera-video')!.srcObject }));
    assert.deepEqual(stopped, { running: false, stream: null });
    // A window classified when the camera stopped finishes its predict and disposes it.
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.tfjsCompressWeb.tf.memory().numTensors), before);
    assert.deepEqual(consoleErrors, []);
  });

  it('classifies the shipped sequences with the shipped compact model as Node did', async () => {
    const shipped = JSON.parse(readFileSync(join(distDir, 'model', 'test-sequences.json'), 'utf8')) as ShippedSequences;
    const result = (await page.evaluate(() => window.tfjsCompressWeb.load)) as LoadResult;
    assert.equal(result.sequences, shipped.sequences.length);
    assert.deepEqual(result.keptInputs, shipped.keptInputs);
    assert.deepEqual(result.predicted, result.nodePredicted, 'same argmax as Node');
    shipped.nodeProbabilities.forEach((row, n) =>
      row.forEach((p, c) => assert.ok(Math.abs(result.probabilities[n][c] - p) <= TOLERANCE, `sequence ${n} class ${c}: page ${result.probabilities[n][c]} vs Node ${p}`)),
    );
    const correct = shipped.labels.filter((label, n) => label === result.predicted[n]).length;
    assert.equal(result.accuracy, correct / shipped.labels.length);
    assert.ok(result.accuracy > 0.6, `accuracy ${result.accuracy}`);
    assert.ok(result.latency.medianMs > 0);
    assert.match((await page.textContent('[data-k="shipped-accuracy"]')) ?? '', /^\d+\.\d% on \d+ shipped test sequences$/);
    // The uint8 copy loads with plain tfjs in the page too, as in Node, and stays close to the float model.
    shipped.nodeUint8Probabilities.forEach((row, n) =>
      row.forEach((p, c) => assert.ok(Math.abs(result.uint8.probabilities[n][c] - p) <= TOLERANCE, `uint8 sequence ${n} class ${c}: page ${result.uint8.probabilities[n][c]} vs Node ${p}`)),
    );
    assert.ok(result.uint8.weightBytes * 3 < result.weightBytes, `uint8 ${result.uint8.weightBytes} bytes vs float32 ${result.weightBytes}`);
    assert.ok(result.uint8.maxDifferenceFromFloat < 0.05, `uint8 within ${result.uint8.maxDifferenceFromFloat} of the float model`);
    assert.ok(Math.abs(result.uint8.accuracy - result.accuracy) <= 1 / result.sequences, `uint8 accuracy ${result.uint8.accuracy} vs ${result.accuracy}`);
  });

  it('leaks no tensor over repeated predictions', async () => {
    const [before, afterRuns] = await page.evaluate(async () => {
      const web = window.tfjsCompressWeb as PageHandle;
      const start = web.tf.memory().numTensors;
      await web.medianLatency(web.shipped!.model, web.shipped!.input, 20);
      return [start, web.tf.memory().numTensors];
    });
    assert.equal(afterRuns, before);
  });

  it('compresses the demo model in the page and shows the compact model beside it', async () => {
    await page.click('#run');
    await page.waitForFunction(() => ['done', 'error'].includes(window.tfjsCompressWeb.state), null, { timeout: 110_000, polling: 500 });
    assert.deepEqual(await state(), { state: 'done', error: null });
    const result = (await page.evaluate(() => window.tfjsCompressWeb.compress)) as CompressResult;
    assert.equal(result.history.length, 12, 'one chart point per epoch');
    assert.ok(result.compact.params < result.vib.params, `params ${result.compact.params} < ${result.vib.params}`);
    assert.ok(result.compact.weightBytes < result.vib.weightBytes, `bytes ${result.compact.weightBytes} < ${result.vib.weightBytes}`);
    assert.ok(result.compactUint8.weightBytes < result.compact.weightBytes, 'uint8 smaller than float32');
    assert.ok(result.compact.testAccuracy > 0.5, `compact accuracy ${result.compact.testAccuracy}`);
    assert.ok(result.compact.latency.medianMs > 0 && result.vib.latency.medianMs > 0);
    // Both charts drew a line per series.
    assert.equal(await page.locator('#compress .chart polyline').count(), 4);
    assert.match((await page.textContent('[data-k="compact-accuracy"]')) ?? '', /^\d+\.\d%/);
    assert.deepEqual(consoleErrors, []);
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  });
});
