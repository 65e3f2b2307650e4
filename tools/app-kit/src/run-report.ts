import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { formatReport } from '@tfjs-compress/prune';
import { fileSystemHandler } from '@tfjs-compress/prune/node';
import { formatResults, resultsTable, type CompressResults } from './compress-run.js';
import type { ReportData } from './html-report.js';
import { readMetrics } from './metrics-log.js';
import { readJson, runPaths } from './run-files.js';
import type { EpochRecord } from './training-session.js';
import { histogram, logAlphas } from './vib-model.js';

/**
 * The parts of a run's HTML report every app shares: the figures of
 * `compress` (when run), the training curves of metrics.jsonl and the log
 * alpha histograms of <out>/vib-model. `onModel` sees the loaded VIB model
 * (before it is disposed) to add app-specific parts (e.g. a pixel mask).
 */
export async function runReportData(
  out: string,
  heading: { title: string; subtitle: string },
  onModel?: (model: tfl.LayersModel, data: ReportData) => void | Promise<void>,
): Promise<ReportData> {
  const paths = runPaths(out);
  const history = existsSync(paths.metrics) ? readMetrics<EpochRecord>(paths.metrics) : [];
  const results = readJson<CompressResults>(paths.results);
  const data: ReportData = {
    title: heading.title,
    subtitle: heading.subtitle + (results ? `; measured on ${results.backend}` : ''),
    table: results ? resultsTable(results) : [{ label: 'compression', value: "not run yet: run 'compress' for the before/after figures" }],
    history,
  };
  if (results) data.notes = `${formatResults(results)}\n\n${formatReport(results.report)}`;
  if (existsSync(join(paths.vibModel, 'model.json'))) {
    const model = await tfl.loadLayersModel(fileSystemHandler(paths.vibModel));
    try {
      const alphas = logAlphas(model);
      data.logAlpha = {};
      if (alphas.input) data.logAlpha['input gate'] = histogram(alphas.input);
      if (alphas.gates.length > 0) data.logAlpha['LSTM gates i, f, g, o'] = histogram(alphas.gates);
      await onModel?.(model, data);
    } finally {
      model.dispose();
    }
  }
  return data;
}
