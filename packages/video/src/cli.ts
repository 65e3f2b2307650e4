#!/usr/bin/env node
import { createProgram } from './cli-program.js';

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`tfjs-compress-video: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
