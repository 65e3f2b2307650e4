#!/usr/bin/env node
import { program } from './cli.js';

await program().parseAsync(process.argv);
