import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-files.js';
import type { EpochRecord } from './training-session.js';

/** The kept-input mask drawn over a frame: inputs are frames flattened as [height, width, channels]. */
export interface PixelMaskImage {
  width: number;
  height: number;
  channels: number;
  /** 0/1 per input feature, length width*height*channels. */
  mask: ArrayLike<number>;
  /** A frame to draw under the mask, rgb uint8 (length width*height*3). Optional. */
  frame?: Uint8Array;
}

export interface ReportData {
  title: string;
  /** Shown under the title (e.g. dataset and backend). */
  subtitle?: string;
  /** Key figures: label -> [before, after] or a single value. */
  table: Array<{ label: string; before?: string | number; after?: string | number; value?: string | number }>;
  history: EpochRecord[];
  /** Pre-binned histograms of log alpha, by name (e.g. 'input gate', 'LSTM gates'). */
  logAlpha?: Record<string, { edges: number[]; counts: number[] }>;
  /** The pruning threshold drawn on the histograms. Default: 0. */
  threshold?: number;
  pixels?: PixelMaskImage;
  /** Extra preformatted text (e.g. the per-layer compression table). */
  notes?: string;
}

/** The chart.js UMD build, inlined so the report is one self-contained offline file. */
export function chartJsSource(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** Per pixel: how many of its channels are kept (0..channels). */
export function pixelKeepCounts(image: PixelMaskImage): Uint8Array {
  const { width, height, channels, mask } = image;
  const counts = new Uint8Array(width * height);
  for (let p = 0; p < width * height; p++) {
    let n = 0;
    for (let c = 0; c < channels; c++) n += mask[p * channels + c] ? 1 : 0;
    counts[p] = n;
  }
  return counts;
}

/**
 * A self-contained HTML report: key figures, loss and accuracy curves, kept
 * units and inputs per epoch, log alpha histograms and the kept input pixels
 * over a frame. chart.js is inlined; the pixel mask is drawn on a canvas from
 * embedded data. Opens offline in any browser.
 */
export function renderReport(data: ReportData): string {
  const pixels = data.pixels
    ? {
        width: data.pixels.width,
        height: data.pixels.height,
        channels: data.pixels.channels,
        counts: Buffer.from(pixelKeepCounts(data.pixels)).toString('base64'),
        frame: data.pixels.frame ? Buffer.from(data.pixels.frame).toString('base64') : null,
      }
    : null;
  const payload = {
    history: data.history,
    logAlpha: data.logAlpha ?? {},
    threshold: data.threshold ?? 0,
    pixels,
  };
  const rows = data.table
    .map((r) =>
      r.value !== undefined
        ? `<tr><th>${escapeHtml(r.label)}</th><td colspan="2">${escapeHtml(String(r.value))}</td></tr>`
        : `<tr><th>${escapeHtml(r.label)}</th><td>${escapeHtml(String(r.before ?? ''))}</td><td>${escapeHtml(String(r.after ?? ''))}</td></tr>`,
    )
    .join('\n');
  const histogramCanvases = Object.keys(payload.logAlpha)
    .map((name, i) => `<figure><figcaption>log alpha: ${escapeHtml(name)}</figcaption><canvas id="hist${i}"></canvas></figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(data.title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
thead th { background: #f3f3f3; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: .3em; }
#pixels { image-rendering: pixelated; border: 1px solid #ccc; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
${data.subtitle ? `<p>${escapeHtml(data.subtitle)}</p>` : ''}
<table><thead><tr><th></th><th>before (VIB model)</th><th>after (compact model)</th></tr></thead><tbody>
${rows}
</tbody></table>
<div class="grid">
<figure><figcaption>Loss per epoch</figcaption><canvas id="loss"></canvas></figure>
<figure><figcaption>Accuracy per epoch</figcaption><canvas id="accuracy"></canvas></figure>
<figure><figcaption>Kept hidden units per epoch</figcaption><canvas id="units"></canvas></figure>
<figure><figcaption>Kept input features per epoch</figcaption><canvas id="inputs"></canvas></figure>
<figure><figcaption>klFac per epoch (0 in the warm-up, in recoveries and in the fine-tune)</figcaption><canvas id="klfac"></canvas></figure>
${histogramCanvases}
${pixels ? '<figure><figcaption>Kept input pixels (red, brighter = more of R, G, B kept) over a frame</figcaption><canvas id="pixels"></canvas></figure>' : ''}
</div>
${data.notes ? `<h2>Details</h2><pre>${escapeHtml(data.notes)}</pre>` : ''}
<script>${chartJsSource()}</script>
<script>
const data = ${scriptJson(payload)};
const labels = data.history.map((r) => r.epoch);
const line = (id, datasets, yTitle) => new Chart(document.getElementById(id), {
  type: 'line',
  data: { labels, datasets: datasets.map((d) => ({ ...d, spanGaps: true, pointRadius: 2 })) },
  options: { animation: false, scales: { x: { title: { display: true, text: 'epoch' } }, y: { title: { display: true, text: yTitle } } } },
});
const pick = (key, scale = 1) => data.history.map((r) => (r[key] == null ? null : r[key] * scale));
line('loss', [{ label: 'train loss', data: pick('loss') }, { label: 'test loss', data: pick('testLoss') }], 'loss');
line('accuracy', [
  { label: 'train %', data: pick('trainAccuracy', 100) },
  { label: 'test %', data: pick('testAccuracy', 100) },
  ...(data.history.some((r) => r.validationAccuracy != null) ? [{ label: 'validation % (the budget judges on it)', data: pick('validationAccuracy', 100) }] : []),
], '%');
line('klfac', [{ label: 'klFac at the epoch end', data: pick('klFac') }], 'klFac');
line('units', [{ label: 'kept units', data: pick('keptUnits') }], 'units');
line('inputs', [{ label: 'kept inputs', data: pick('keptInputs') }], 'inputs');
Object.entries(data.logAlpha).forEach(([name, h], i) => {
  const centres = h.counts.map((_, k) => ((h.edges[k] + h.edges[k + 1]) / 2).toFixed(2));
  const colours = h.counts.map((_, k) => ((h.edges[k] + h.edges[k + 1]) / 2 >= data.threshold ? '#d33' : '#36a'));
  new Chart(document.getElementById('hist' + i), {
    type: 'bar',
    data: { labels: centres, datasets: [{ label: name + ' (red: pruned, log alpha >= ' + data.threshold + ')', data: h.counts, backgroundColor: colours }] },
    options: { animation: false, scales: { x: { title: { display: true, text: 'log alpha' } }, y: { type: 'logarithmic', title: { display: true, text: 'count' } } } },
  });
});
if (data.pixels) {
  const p = data.pixels;
  const decode = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const counts = decode(p.counts);
  const frame = p.frame ? decode(p.frame) : null;
  const canvas = document.getElementById('pixels');
  const zoom = Math.max(1, Math.floor(480 / p.width));
  canvas.width = p.width; canvas.height = p.height;
  canvas.style.width = p.width * zoom + 'px'; canvas.style.height = p.height * zoom + 'px';
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(p.width, p.height);
  for (let i = 0; i < p.width * p.height; i++) {
    const grey = frame ? (frame[3 * i] + frame[3 * i + 1] + frame[3 * i + 2]) / 6 : 40;
    const kept = counts[i] / p.channels;
    image.data[4 * i] = kept > 0 ? 155 + 100 * kept : grey;
    image.data[4 * i + 1] = kept > 0 ? 30 : grey;
    image.data[4 * i + 2] = kept > 0 ? 30 : grey;
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}
</script>
</body>
</html>
`;
}

export async function writeReport(path: string, data: ReportData): Promise<void> {
  await writeFileAtomic(path, renderReport(data));
}
