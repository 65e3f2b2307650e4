#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { integerOption } from '@tfjs-compress/app-kit';
import { runDrill } from './drill.js';
import { DEFAULT_FAULTS, DISK_FAULTS, KILL_FAULTS } from './faults.js';

const program = new Command('fault-drill')
  .description(
    `kills real 'ucf11-e2e train' processes with SIGKILL at ${KILL_FAULTS.length} points (mid-batch, shrinking, checkpoint writes and swaps, ` +
      `the fine-tune, the final save) and fails ${DISK_FAULTS.length} writes as on a full or read-only disk, resumes each, and compares the final files with an uninterrupted run (cpu: byte for byte)`,
  )
  .option('--work <dir>', 'work directory (emptied first)', join(tmpdir(), 'tfjs-compress-fault-drill'))
  .option('--jobs <n>', 'faulted runs at once (default: the cores)', integerOption('--jobs'))
  .option('--json <file>', 'also write the report as JSON')
  .parse();
const opts = program.opts<{ work: string; jobs?: number; json?: string }>();
const report = await runDrill({ work: opts.work, jobs: opts.jobs });
console.log(`faults injected ${report.injected} / survived ${report.survived} / runs with data lost ${report.lost} (${report.seconds.toFixed(0)} s)`);
if (opts.json) {
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
}
if (report.lost > 0 || report.injected < DEFAULT_FAULTS.length) process.exitCode = 1;
