import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printTable, writeBenchJson } from './bench-output.js';
import { timedCli, type TimedCliRun } from './cli-run.js';

/** 11 classes x 5 groups x 5 clips: the size of set a new user tries first. */
export const DEFAULTS_BENCH_SET = { classes: 11, groups: 5, clips: 5 } as const;

export interface DefaultsBenchSpec {
  /** The app's name, for the report. */
  app: string;
  /** The app's built CLI (dist/main.js). */
  entry: string;
  /** Where the generated set is kept (generated once). */
  data: string;
  backend: string;
  /** Train flags that make a step too big for the backend: the run must stop before it reads any clip. */
  oversized: string[];
  /** Quantized copy measured by compress. */
  quantize: 'uint8' | 'uint16' | 'float16';
  jsonFile: string;
  /** Keep the run directories (printed) instead of removing them. */
  keep?: boolean;
}

/** The fields of a run's results.json (app-kit's CompressResults) this report reads. */
interface RunResults {
  baselineTestAccuracy: number | null;
  before: { accuracy: number };
  after: { accuracy: number };
  lstmRatio: number;
  weightBytes: { vibModel: number; compact: number; quantized: number | null };
  quantized: { accuracy: number; maxPredictionDifference: number } | null;
}

interface Stage {
  name: string;
  status: number | null;
  seconds: number;
}

/** Files under any `*-cache` folder of a run directory (the feature or frame cache). */
function cachedFiles(out: string): number {
  if (!existsSync(out)) return 0;
  return readdirSync(out, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.endsWith('-cache'))
    .reduce((n, e) => n + readdirSync(join(out, e.name), { recursive: true }).length, 0);
}

const stage = (name: string, run: TimedCliRun): Stage => ({ name, status: run.status, seconds: Math.round(run.seconds * 10) / 10 });

/**
 * What a new user gets from an app's defaults: `generate` a 275-clip set,
 * a deliberately oversized `train` (must stop at once with what to change,
 * before any clip is read), `train` with every default but the backend, and
 * `compress --quantize`: whether each finished, its wall time, and the
 * accuracies of the uncompressed baseline, the compact and the quantized
 * compact model on the same test clips.
 */
export async function runDefaultsBench(spec: DefaultsBenchSpec) {
  const work = mkdtempSync(join(tmpdir(), `${spec.app}-defaults-`));
  const out = join(work, 'run');
  const oversizedOut = join(work, 'oversized');
  const set = DEFAULTS_BENCH_SET;
  const stages: Stage[] = [];
  try {
    const generated = await timedCli(spec.entry, ['generate', '--data', spec.data, '--classes', String(set.classes), '--groups', String(set.groups), '--clips', String(set.clips)]);
    stages.push(stage(`generate ${set.classes * set.groups * set.clips} clips`, generated));
    if (generated.status !== 0) throw new Error(`generate failed (exit ${generated.status})`);

    const oversized = await timedCli(spec.entry, ['train', '--data', spec.data, '--out', oversizedOut, '--backend', spec.backend, '--no-progress', ...spec.oversized]);
    stages.push(stage(`train ${spec.oversized.join(' ')} (oversized)`, oversized));
    const refusal = oversized.output.split('\n').find((l) => l.startsWith('error: ')) ?? null;
    const stoppedEarly = oversized.status !== 0 && refusal != null && cachedFiles(oversizedOut) === 0;

    const trained = await timedCli(spec.entry, ['train', '--data', spec.data, '--out', out, '--backend', spec.backend, '--no-progress']);
    stages.push(stage('train (defaults)', trained));
    const backendLine = trained.output.split('\n').find((l) => l.startsWith('backend: ')) ?? null;
    let results: RunResults | null = null;
    if (trained.status === 0) {
      const compressed = await timedCli(spec.entry, ['compress', '--out', out, '--backend', spec.backend, '--quantize', spec.quantize]);
      stages.push(stage(`compress --quantize ${spec.quantize}`, compressed));
      if (compressed.status === 0) results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
    }
    const accuracy = results && {
      baseline: results.baselineTestAccuracy,
      vib: results.before.accuracy,
      compact: results.after.accuracy,
      quantized: results.quantized?.accuracy ?? null,
      quantizedMinusCompactPoints: results.quantized ? (results.quantized.accuracy - results.after.accuracy) * 100 : null,
      quantizedMaxPredictionDifference: results.quantized?.maxPredictionDifference ?? null,
    };
    const report = {
      date: new Date().toISOString().slice(0, 10),
      app: spec.app,
      backend: backendLine,
      set: { ...set, clips: set.classes * set.groups * set.clips },
      stages,
      oversized: { flags: spec.oversized, stoppedBeforeReadingClips: stoppedEarly, message: refusal },
      finished: trained.status === 0 && results != null,
      accuracy,
      lstmRatio: results?.lstmRatio ?? null,
      weightBytes: results?.weightBytes ?? null,
    };

    console.log(`\n${spec.app}: defaults on a ${report.set.clips}-clip generated set (${report.backend ?? spec.backend}), ${report.date}\n`);
    printTable(['stage', 'exit', 'seconds'], stages.map((s) => [s.name, String(s.status), s.seconds.toFixed(1)]));
    console.log(`\noversized run stopped before reading a clip: ${stoppedEarly ? 'yes' : 'NO'}${refusal ? ` (${refusal.slice(0, 160)}...)` : ''}`);
    if (accuracy && results) {
      const pct = (v: number | null | undefined) => (v == null ? '-' : `${(v * 100).toFixed(2)}%`);
      const kib = (v: number | null | undefined) => (v == null ? '-' : `${(v / 1024).toFixed(1)} KiB`);
      console.log('');
      printTable(['model', 'test accuracy', 'weights'], [
        ['uncompressed (validation-selected)', pct(accuracy.baseline), '-'],
        ['VIB', pct(accuracy.vib), kib(results.weightBytes.vibModel)],
        [`compact (${results.lstmRatio.toFixed(1)}x fewer LSTM parameters)`, pct(accuracy.compact), kib(results.weightBytes.compact)],
        [`compact, ${spec.quantize}`, pct(accuracy.quantized), kib(results.weightBytes.quantized)],
      ]);
    }
    writeBenchJson(spec.jsonFile, report);
    return report;
  } finally {
    if (spec.keep) console.log(`runs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `runDefaultsBench` for the app in `appDir` (its built dist/main.js), with
 * the command line's `--backend <name>` (default wasm), `--json <file>`
 * (default <repo>/bench-results/<app>-defaults.json) and `--keep`; the set
 * is generated once into <repo>/output/<app>/defaults-275.
 */
export function defaultsBenchFromArgs(app: string, appDir: string, setup: Pick<DefaultsBenchSpec, 'oversized' | 'quantize'>) {
  const root = join(appDir, '..', '..');
  const { values } = parseArgs({
    options: { backend: { type: 'string', default: 'wasm' }, json: { type: 'string' }, keep: { type: 'boolean', default: false } },
  });
  return runDefaultsBench({
    app,
    entry: join(appDir, 'dist', 'main.js'),
    data: join(root, 'output', app, 'defaults-275'),
    backend: values.backend!,
    jsonFile: values.json ?? join(root, 'bench-results', `${app}-defaults.json`),
    keep: values.keep,
    ...setup,
  });
}
