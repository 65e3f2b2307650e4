import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paretoFront, type SweepResult } from '@tfjs-compress/vib';

export interface ChartOptions {
  title: string;
  /** Accuracy of the uncompressed plain model, drawn as a dashed line. */
  baselineAccuracy?: number;
  width?: number;
  height?: number;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceRange(low: number, high: number): [number, number] {
  if (low === high) return [low - 0.05, high + 0.05];
  const pad = (high - low) * 0.1;
  return [low - pad, high + pad];
}

/**
 * A self-contained SVG of accuracy (y, percent) against compression (x, log
 * scale): every run as a dot labelled with its swept value, the Pareto front
 * as a line, the plain baseline as a dashed line.
 */
export function sweepSvg(result: SweepResult, options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 440;
  const m = { left: 64, right: 24, top: 48, bottom: 56 };
  const points = result.points.filter((p) => Number.isFinite(p.compression) && p.compression > 0);
  const accuracies = points.map((p) => p.accuracy).concat(options.baselineAccuracy ?? []);
  const [yLow, yHigh] = niceRange(Math.min(...accuracies, 1), Math.max(...accuracies, 0));
  const logs = points.map((p) => Math.log10(p.compression)).concat(0);
  const [xLow, xHigh] = niceRange(Math.min(...logs), Math.max(...logs));
  const x = (c: number) => m.left + ((Math.log10(c) - xLow) / (xHigh - xLow)) * (width - m.left - m.right);
  const y = (a: number) => height - m.bottom - ((a - yLow) / (yHigh - yLow)) * (height - m.top - m.bottom);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escape(options.title)}</text>`);
  // Axes and ticks: decades and 2x/5x on x, evenly spaced percentages on y.
  parts.push(`<line x1="${m.left}" y1="${height - m.bottom}" x2="${width - m.right}" y2="${height - m.bottom}" stroke="black"/>`);
  parts.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${height - m.bottom}" stroke="black"/>`);
  for (let decade = Math.floor(xLow); decade <= Math.ceil(xHigh); decade++) {
    for (const k of [1, 2, 5]) {
      const c = k * 10 ** decade;
      const l = Math.log10(c);
      if (l < xLow || l > xHigh) continue;
      parts.push(`<line x1="${x(c)}" y1="${height - m.bottom}" x2="${x(c)}" y2="${height - m.bottom + 5}" stroke="black"/>`);
      parts.push(`<text x="${x(c)}" y="${height - m.bottom + 18}" text-anchor="middle">${c}x</text>`);
    }
  }
  for (let i = 0; i <= 5; i++) {
    const a = yLow + ((yHigh - yLow) * i) / 5;
    parts.push(`<line x1="${m.left - 5}" y1="${y(a)}" x2="${m.left}" y2="${y(a)}" stroke="black"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y(a) + 4}" text-anchor="end">${(100 * a).toFixed(1)}%</text>`);
  }
  parts.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 14}" text-anchor="middle">compression (parameters before / after, log scale)</text>`);
  parts.push(`<text x="16" y="${(m.top + height - m.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.top + height - m.bottom) / 2})">accuracy</text>`);
  if (options.baselineAccuracy != null) {
    const b = y(options.baselineAccuracy);
    parts.push(`<line x1="${m.left}" y1="${b}" x2="${width - m.right}" y2="${b}" stroke="gray" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${width - m.right}" y="${b - 6}" text-anchor="end" fill="gray">plain ${(100 * options.baselineAccuracy).toFixed(2)}%</text>`);
  }
  const front = paretoFront(points);
  if (front.length > 1) {
    parts.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${front.map((p) => `${x(p.compression)},${y(p.accuracy)}`).join(' ')}"/>`);
  }
  for (const p of points) {
    parts.push(`<circle cx="${x(p.compression)}" cy="${y(p.accuracy)}" r="4" fill="#d62728"><title>${escape(`${result.parameter}=${p.value}: ${(100 * p.accuracy).toFixed(2)}% at ${p.compression.toFixed(1)}x`)}</title></circle>`);
    const label = typeof p.details?.label === 'string' ? p.details.label : String(p.value);
    parts.push(`<text x="${x(p.compression) + 6}" y="${y(p.accuracy) - 6}" fill="#555">${escape(label)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** An HTML page with the chart and a table of the runs. */
export function sweepHtml(result: SweepResult, options: ChartOptions): string {
  const rows = result.points
    .map((p) => {
      const ratio = Number.isFinite(p.compression) ? `${p.compression.toFixed(2)}x` : 'all pruned';
      return `<tr><td>${p.value}</td><td>${ratio}</td><td>${(100 * p.accuracy).toFixed(2)}%</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(options.title)}</title></head>
<body style="font-family: sans-serif">
${sweepSvg(result, options)}
<table border="1" cellpadding="4" style="border-collapse: collapse">
<tr><th>${escape(result.parameter)}</th><th>compression</th><th>accuracy</th></tr>
${rows}
</table>
</body></html>
`;
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Writes sweep.json, sweep.svg and sweep.html into `dir`; returns their paths. */
export function writeSweep(dir: string, result: SweepResult, options: ChartOptions & { extra?: Record<string, unknown> }): { json: string; svg: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const files = { json: join(dir, 'sweep.json'), svg: join(dir, 'sweep.svg'), html: join(dir, 'sweep.html') };
  // JSON has no Infinity: a run that pruned everything is written as "Infinity".
  const replacer = (_key: string, value: unknown) => (value === Infinity ? 'Infinity' : value);
  writeAtomic(files.json, `${JSON.stringify({ title: options.title, baselineAccuracy: options.baselineAccuracy ?? null, ...options.extra, ...result }, replacer, 2)}\n`);
  writeAtomic(files.svg, sweepSvg(result, options));
  writeAtomic(files.html, sweepHtml(result, options));
  return files;
}
