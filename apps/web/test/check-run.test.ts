/**
 * The check page on a CNN-LSTM run: the ucf11-cnn-lstm app (its built CLI)
 * generates a tiny clip set, trains, and compresses with `--quantize uint8`;
 * headless Chromium then loads that run's compact and uint8 models with plain
 * `tf.loadLayersModel` and must classify the recorded test inputs as Node did.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { TestPredictions } from '@tfjs-compress/app-kit';
import { DEFAULT_CHROMIUM, checkRunInChromium, formatRunCheck } from '../scripts/check-run.js';
import type { RunCheck } from '../src/run-check.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const cnnLstmMain = join(dirname(createRequire(import.meta.url).resolve('@tfjs-compress/ucf11-cnn-lstm/package.json')), 'dist', 'main.js');

/**
 * Page vs Node probabilities: different kernels on float32 (see the page
 * test); a wrong weight, dequantization or input layout moves them by far more.
 */
const TOLERANCE = 1e-4;

const missing = existsSync(CHROMIUM) ? null : `Chromium is not at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`;
if (missing != null && process.env.CI) throw new Error(`the check-run test needs a browser. ${missing}`);

function cnnLstm(args: string[]): string {
  const run = spawnSync(process.execPath, [cnnLstmMain, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, `ucf11-cnn-lstm ${args[0]}: ${run.stderr}`);
  return run.stdout;
}

describe('check-run: a CNN-LSTM run checked in headless Chromium', { skip: missing ?? false, timeout: 300_000 }, () => {
  let root = '';
  let out = '';

  before(() => {
    if (!existsSync(join(appDir, 'dist', 'check.html'))) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: appDir, stdio: 'inherit' });
      assert.equal(build.status, 0, 'npm run build');
    }
    root = mkdtempSync(join(tmpdir(), 'web-check-run-'));
    out = join(root, 'run');
    const data = join(root, 'data');
    cnnLstm(['generate', '--data', data, '--classes', '3', '--groups', '2', '--clips', '3', '--frames', '8', '--width', '32', '--height', '24']);
    cnnLstm(['train', '--data', data, '--out', out, '--frames', '4', '--units', '16', '--feature-size', '32', '--batch', '4', '--epochs', '4',
      '--warmup-epochs', '1', '--fine-tune-epochs', '1', '--backend', 'wasm', '--no-progress']);
    cnnLstm(['compress', '--out', out, '--backend', 'wasm', '--latency-runs', '2', '--quantize', 'uint8']);
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  /** Both models give every recorded clip Node's class and accuracy, within TOLERANCE of Node's probabilities, with the saved bytes. */
  function assertAsNode(check: RunCheck, recorded: TestPredictions): void {
    assert.equal(check.count, recorded.count);
    assert.equal(check.count, check.testClips, 'every test clip recorded');
    for (const [name, model] of [['compact', check.compact], ['uint8', check.quantized!]] as const) {
      assert.equal(model.sameClassAsNode, check.count, `${name}: same classes as Node`);
      assert.ok(model.maxDifferenceFromNode <= TOLERANCE, `${name}: probabilities ${model.maxDifferenceFromNode} from Node's`);
      assert.equal(model.correct, model.nodeCorrect, `${name}: accuracy as in Node`);
      assert.ok(model.latency.medianMs > 0);
    }
    assert.equal(check.quantized!.dtype, 'uint8');
    assert.equal(check.compact.weightBytes, readFileSync(join(out, 'compact', 'weights.bin')).length);
    assert.equal(check.quantized!.weightBytes, readFileSync(join(out, 'quantized', 'weights.bin')).length);
    assert.ok(check.quantized!.weightBytes * 3 < check.compact.weightBytes, `uint8 ${check.quantized!.weightBytes} B vs float32 ${check.compact.weightBytes} B`);
    assert.equal(check.compact.params, check.quantized!.params);
  }

  const recorded = () => JSON.parse(readFileSync(join(out, 'test-predictions.json'), 'utf8')) as TestPredictions;

  it('the page loads the compact and uint8 models with plain tfjs and predicts what Node predicted', async () => {
    const check = await checkRunInChromium(out);
    console.log(formatRunCheck(check));
    assert.ok(['webgpu', 'webgl', 'wasm'].includes(check.backend), `page backend ${check.backend}`);
    // Chromium runs with WebGPU enabled: when 'auto' passes it over, it says why.
    if (check.backend !== 'webgpu') assert.match(check.backendReason ?? '', /webgpu (computes but its synchronous reads fail|failed to start|started but could not compute)/);
    assertAsNode(check, recorded());
  });

  it('runs them on WebGPU too, when requested, with async reads only', async () => {
    // Headless Chromium's WebGPU adapter (SwiftShader) computes and reads back with data(), while its dataSync()
    // gives zeros: 'auto' skips it (the test above), a page that asks for it is told (syncReads false).
    const check = await checkRunInChromium(out, { backend: 'webgpu' });
    console.log(formatRunCheck(check));
    assert.equal(check.backend, 'webgpu');
    assertAsNode(check, recorded());
  });

  it('names the missing file when the run was not compressed', async () => {
    await assert.rejects(checkRunInChromium(root), /has no test-predictions\.json: run the app's 'compress --out/);
  });
});
