/**
 * The check page (check.html?run=<url>): runs `checkRun` on the backend
 * `selectBackend` picks (or `?backend=`), shows the figures and keeps them on
 * `window.tfjsCompressCheck` (the check-run script reads them there).
 */
import './style.css';
import { describeBackend } from '@tfjs-compress/runtime';
import { startBackend } from './backend.js';
import { formatBytes, percent } from './measure.js';
import { checkRun, type ModelCheck, type RunCheck } from './run-check.js';

export interface CheckHandle {
  state: 'starting' | 'done' | 'error';
  result: RunCheck | null;
  error: string | null;
}

declare global {
  interface Window {
    tfjsCompressCheck: CheckHandle;
  }
}

const handle: CheckHandle = { state: 'starting', result: null, error: null };
window.tfjsCompressCheck = handle;
const panel = document.querySelector<HTMLElement>('#check')!;
const status = panel.querySelector<HTMLElement>('.status')!;

function row(name: string, m: ModelCheck, count: number): string {
  return `<tr><th>${name}</th><td>${m.params.toLocaleString('en')}</td><td>${formatBytes(m.weightBytes)}</td>` +
    `<td>${percent(m.correct / count)}</td><td>${percent(m.nodeCorrect / count)}</td><td>${m.sameClassAsNode}/${count}</td>` +
    `<td>${m.maxDifferenceFromNode.toExponential(1)}</td><td>${m.latency.medianMs.toFixed(2)} ms</td></tr>`;
}

function render(r: RunCheck): void {
  const q = r.quantized;
  panel.querySelector<HTMLElement>('.summary')!.innerHTML = `
    <p>${r.count} of the run's ${r.testClips} test examples, [${r.exampleShape.join(', ')}] each (the compact model's kept inputs); Node computed on ${r.nodeBackend}.</p>
    <table>
      <thead><tr><th>model</th><th>parameters</th><th>weights</th><th>accuracy here</th><th>in Node</th><th>same class as Node</th><th>max |p - Node's|</th><th>latency, one example</th></tr></thead>
      <tbody>${row('compact (float32)', r.compact, r.count)}${q ? row(`quantized (${q.dtype})`, q, r.count) : ''}</tbody>
    </table>
    ${q ? `<p data-k="quantized-vs-compact">${q.dtype} against float32 here: ${q.sameClassAsCompact}/${r.count} classes the same, probabilities within ${q.maxDifferenceFromCompact.toExponential(1)}.</p>` : ''}`;
}

async function start(): Promise<void> {
  try {
    const backend = await startBackend(location.search);
    document.querySelector('#backend')!.textContent = describeBackend(backend).replace(/^backend: /, '');
    const run = new URLSearchParams(location.search).get('run');
    if (run == null) throw new Error('no run to check: open this page as check.html?run=<URL of a run folder>');
    status.textContent = `Checking ${run}…`;
    const result = await checkRun(new URL(run.endsWith('/') ? run : `${run}/`, document.baseURI).href);
    handle.result = { ...result, backendReason: backend.reason };
    status.textContent = '';
    render(handle.result);
    handle.state = 'done';
  } catch (error) {
    handle.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
    handle.state = 'error';
    status.classList.add('error');
    status.textContent = handle.error;
  }
}

void start();
