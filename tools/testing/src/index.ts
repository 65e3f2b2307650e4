export { TEST_BACKENDS, useBackend, type TestBackend } from './backends.js';
export { assertClose, maxAbsDiff } from './compare.js';
export { finiteDifferenceGradient } from './finite-difference.js';
export { assertNoLeak } from './leak.js';
export { saveAndLoad } from './round-trip.js';
export { namesOption } from './errors.js';
export { median, printTable, writeBenchJson } from './bench-output.js';
export { tempDir } from './temp-dir.js';
export { readmeDefault } from './readme-table.js';
