#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { choiceOption, integerOption } from '@tfjs-compress/app-kit';
import { runDrill } from './drill.js';
import { DISK_FAULTS, DRILL_APPS, KILL_FAULTS, type DrillAppName } from './faults.js';

const program = new Command('fault-drill')
  .description(
    `kills real 'train' processes with SIGKILL at ${KILL_FAULTS.length} points (mid-batch, shrinking, checkpoint writes and swaps, ` +
      `the fine-tune, the final save) and fails ${DISK_FAULTS.length} writes as on a full or read-only disk, resumes each, and compares the final files with an uninterrupted run (cpu: byte for byte); ` +
      `--app ucf11-cnn-lstm drills that app's feature extraction and training at ${DRILL_APPS['ucf11-cnn-lstm'].faults.length} moments`,
  )
  .addOption(new Option('--app <name>', 'the app whose train is drilled').argParser(choiceOption('--app', Object.keys(DRILL_APPS) as DrillAppName[])).default('ucf11-e2e'))
  .option('--work <dir>', 'work directory (emptied first)', join(tmpdir(), 'tfjs-compress-fault-drill'))
  .option('--jobs <n>', 'faulted runs at once (default: the cores)', integerOption('--jobs'))
  .option('--json <file>', 'also write the report as JSON')
  .parse();
const opts = program.opts<{ app: DrillAppName; work: string; jobs?: number; json?: string }>();
const report = await runDrill({ app: opts.app, work: opts.work, jobs: opts.jobs });
console.log(`faults injected ${report.injected} / survived ${report.survived} / runs with data lost ${report.lost} (${report.seconds.toFixed(0)} s)`);
if (opts.json) {
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
}
if (report.lost > 0 || report.injected < DRILL_APPS[opts.app].faults.length) process.exitCode = 1;
