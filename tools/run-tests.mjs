#!/usr/bin/env node
// `npm test`: builds and runs every workspace's tests through turbo, streams
// the output, and closes with one total line ("tests: N passed, N failed")
// summed from node's test runner summaries of every package. The package
// graph check (tools/check-package-graph.mjs) runs first: a dependency that
// breaks the graph fails the run before anything is built. Two packages test
// at once: almost every test runs on one thread, so two keep both cores of a
// small CI machine busy (about 12 minutes instead of 15), and no test may
// depend on having the machine to itself.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const graph = spawnSync(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'check-package-graph.mjs')], { stdio: 'inherit' });
if (graph.status !== 0) process.exit(graph.status ?? 1);

const child = spawn('npx', ['turbo', 'run', 'test', '--concurrency=2', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let passed = 0;
let failed = 0;
let pending = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const match = /(?:ℹ|#) (pass|fail) (\d+)\s*$/.exec(line);
    if (match?.[1] === 'pass') passed += Number(match[2]);
    if (match?.[1] === 'fail') failed += Number(match[2]);
  }
});
child.on('close', (code) => {
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exit(code ?? 1);
});
