/**
 * `npm run check-run -w apps/web -- <run folder>`: serves the built check
 * page and a run folder of `ucf11-e2e` or `ucf11-cnn-lstm` (after its
 * `compress`, with `--quantize` for the quantized model), opens
 * check.html?run=/run/ in headless Chromium, and prints how the page's
 * predictions compare with Node's. `--json FILE` writes them.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { writeJsonAtomic } from '@tfjs-compress/app-kit';
import type { CheckHandle } from '../src/check-main.js';
import type { RunCheck } from '../src/run-check.js';
import { TEST_PREDICTIONS } from '../src/run-check.js';
import { serveStatic } from './static-server.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type PageBackend = (typeof BACKENDS)[number];
const distDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

export interface CheckRunOptions {
  backend?: PageBackend;
  chromium?: string;
  timeoutMs?: number;
}

/** Runs the check page on `runDir` in headless Chromium; throws what the page reports when it fails. */
export async function checkRunInChromium(runDir: string, o: CheckRunOptions = {}): Promise<RunCheck> {
  if (!existsSync(join(runDir, TEST_PREDICTIONS))) {
    throw new Error(`run folder '${runDir}' has no ${TEST_PREDICTIONS}: run the app's 'compress --out ${runDir}' (with --quantize for the quantized model) first`);
  }
  if (!existsSync(join(distDir, 'check.html'))) throw new Error(`${distDir}/check.html is missing: run 'npm run build -w apps/web' first`);
  const executablePath = o.chromium ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
  if (!existsSync(executablePath)) throw new Error(`Chromium is not at ${executablePath}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  const { url, server } = await serveStatic(distDir, { '/run/': runDir });
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}check.html?run=/run/&backend=${o.backend ?? 'auto'}`);
    await page.waitForFunction(() => window.tfjsCompressCheck?.state !== 'starting', null, { timeout: o.timeoutMs ?? 120_000, polling: 250 });
    const handle: CheckHandle = await page.evaluate(() => window.tfjsCompressCheck);
    if (handle.state !== 'done' || handle.result == null) throw new Error(`the check page failed: ${handle.error ?? errors.join('; ')}`);
    return handle.result;
  } finally {
    await browser.close();
    server.close();
  }
}

export function formatRunCheck(r: RunCheck): string {
  const line = (name: string, m: RunCheck['compact']) =>
    `${name.padEnd(18)} ${m.weightBytes.toLocaleString('en')} B, accuracy ${((100 * m.correct) / r.count).toFixed(2)}% (Node ${((100 * m.nodeCorrect) / r.count).toFixed(2)}%), ` +
    `${m.sameClassAsNode}/${r.count} classes as Node, max |p - Node's| ${m.maxDifferenceFromNode.toExponential(2)}, ${m.latency.medianMs.toFixed(2)} ms`;
  const q = r.quantized;
  return [
    `${r.count} of ${r.testClips} test examples [${r.exampleShape.join(', ')}], page backend ${r.backend} (${r.backendReason ?? 'n/a'}), Node ${r.nodeBackend}`,
    line('compact float32', r.compact),
    ...(q ? [line(`quantized ${q.dtype}`, q), `${q.dtype} vs float32 in the page: ${q.sameClassAsCompact}/${r.count} classes, max |p| difference ${q.maxDifferenceFromCompact.toExponential(2)}`] : []),
  ].join('\n');
}

const HELP = `check-run <run folder> [--backend auto|webgpu|webgl|wasm|cpu] [--json FILE]

Loads the run's compact/ and quantized/ models in headless Chromium with plain
tf.loadLayersModel, classifies the test inputs its 'compress' recorded and
compares with Node's probabilities. Chromium runs with --enable-unsafe-webgpu,
so --backend webgpu uses its WebGPU adapter. Needs 'npm run build -w apps/web' and
Chromium (CHROMIUM_PATH, default ${DEFAULT_CHROMIUM}).`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { backend: { type: 'string', default: 'auto' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (positionals.length !== 1) throw new Error(`expected one run folder, got ${positionals.length} (${positionals.join(' ')})\n\n${HELP}`);
  const backend = values.backend as PageBackend;
  if (!BACKENDS.includes(backend)) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}, got '${values.backend}'`);
  // `npm run -w apps/web` runs this in apps/web: a relative folder means the one the user typed it from.
  const runDir = resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]);
  const result = await checkRunInChromium(runDir, { backend });
  console.log(formatRunCheck(result));
  if (values.json) await writeJsonAtomic(values.json, result);
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((error: Error) => {
    console.error(`check-run: ${error.message}`);
    process.exit(1);
  });
}
