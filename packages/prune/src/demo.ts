import type * as tfl from '@tensorflow/tfjs-layers';
import { compact, type CompactOptions, type CompactResult } from './compact.js';
import { formatReport } from './report.js';
import { saveCompact } from './save.js';

export interface CompactAndReportOptions extends CompactOptions {
  /** Where the table goes. Default: console.log. */
  log?: (text: string) => void;
  /** Directory to save the compact model and compression.json into. Default: not saved. */
  saveTo?: string;
}

/**
 * Demo hook: compacts a trained VIB model, prints the compression table and
 * optionally saves the result. Returns the compaction and the printed table.
 */
export async function compactAndReport(
  model: tfl.LayersModel,
  options: CompactAndReportOptions = {},
): Promise<CompactResult & { table: string }> {
  const { log = console.log, saveTo, ...compactOptions } = options;
  const result = compact(model, compactOptions);
  const table = formatReport(result.report);
  log(`kept ${result.keptInputs.length} input features\n${table}`);
  if (saveTo != null) await saveCompact(result, saveTo);
  return { ...result, table };
}
