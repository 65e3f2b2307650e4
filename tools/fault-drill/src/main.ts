#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { runDrill } from './drill.js';
import { DEFAULT_FAULTS } from './faults.js';

const program = new Command('fault-drill')
  .description(
    `kills real 'ucf11-e2e train' processes with SIGKILL at ${DEFAULT_FAULTS.length} points (mid-batch, shrinking, checkpoint writes and swaps, ` +
      'the fine-tune, the final save), resumes each, and compares the final files with an uninterrupted run (cpu: byte for byte)',
  )
  .option('--work <dir>', 'work directory (emptied first)', join(tmpdir(), 'tfjs-compress-fault-drill'))
  .option('--json <file>', 'also write the report as JSON')
  .parse();
const opts = program.opts<{ work: string; json?: string }>();
const report = await runDrill({ work: opts.work });
console.log(`faults injected ${report.injected} / survived ${report.survived} / runs with data lost ${report.lost} (${report.seconds.toFixed(0)} s)`);
if (opts.json) {
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
}
if (report.lost > 0 || report.injected < DEFAULT_FAULTS.length) process.exitCode = 1;
