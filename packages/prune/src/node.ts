/**
 * `@tfjs-compress/prune/node`: the parts that read and write files (Node
 * only). The package root stays free of `node:` imports, so it bundles for a
 * browser page.
 */
export { MODEL_FILE, WEIGHTS_FILE, fileSystemHandler } from './file-handler.js';
export { COMPRESSION_FILE, loadCompact, saveCompact, saveQuantized, type CompressionRecord } from './save.js';
export { compactAndReport, type CompactAndReportOptions } from './demo.js';
