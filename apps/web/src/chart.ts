/**
 * A small SVG line chart, redrawn whole on every update (a few dozen points):
 * one value axis, epochs along x, optional shaded epoch ranges (the fit's
 * stages).
 */
const SVG = 'http://www.w3.org/2000/svg';

export interface Series {
  name: string;
  color: string;
  /** Drawn dashed. */
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  series: Series[];
  /** Fixed value range; `yMax` null grows with the data. */
  yMin: number;
  yMax: number | null;
  /** Epochs along x. */
  xMax: number;
  format: (value: number) => string;
}

export interface Band {
  from: number;
  to: number;
  label: string;
}

const WIDTH = 400;
const HEIGHT = 210;
const PAD = { left: 40, right: 10, top: 10, bottom: 26 };

function node<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text != null) element.textContent = text;
  return element;
}

export class LineChart {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly values: Array<Array<number | null>>;
  private bands: Band[] = [];

  constructor(private readonly options: ChartOptions) {
    this.element = document.createElement('figure');
    this.element.className = 'chart';
    const caption = document.createElement('figcaption');
    caption.textContent = options.title;
    const legend = document.createElement('div');
    legend.className = 'legend';
    for (const s of options.series) {
      const item = document.createElement('span');
      item.innerHTML = `<i style="border-color:${s.color};border-style:${s.dashed ? 'dashed' : 'solid'}"></i>`;
      item.append(s.name);
      legend.append(item);
    }
    this.svg = node('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': options.title });
    this.element.append(caption, this.svg, legend);
    this.values = options.series.map(() => []);
    this.draw();
  }

  /** Appends one epoch: a value (or null, not measured) per series. */
  push(epochValues: Array<number | null>, bands: Band[] = this.bands): void {
    epochValues.forEach((v, i) => this.values[i].push(v));
    this.bands = bands;
    this.draw();
  }

  private draw(): void {
    const { yMin, xMax, format } = this.options;
    const seen = this.values.flat().filter((v): v is number => v != null);
    const yMax = this.options.yMax ?? niceMax(Math.max(yMin + 1, ...seen));
    const x = (epoch: number) => PAD.left + ((WIDTH - PAD.left - PAD.right) * epoch) / xMax;
    const y = (value: number) => HEIGHT - PAD.bottom - ((HEIGHT - PAD.top - PAD.bottom) * (value - yMin)) / (yMax - yMin);
    this.svg.replaceChildren();
    for (const band of this.bands) {
      this.svg.append(node('rect', { x: x(band.from), y: PAD.top, width: Math.max(0, x(band.to) - x(band.from)), height: HEIGHT - PAD.top - PAD.bottom, class: 'band' }));
      this.svg.append(node('text', { x: (x(band.from) + x(band.to)) / 2, y: PAD.top + 12, class: 'band-label' }, band.label));
    }
    for (let i = 0; i <= 4; i++) {
      const value = yMin + ((yMax - yMin) * i) / 4;
      this.svg.append(node('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: 'grid' }));
      this.svg.append(node('text', { x: PAD.left - 6, y: y(value) + 4, class: 'tick y' }, format(value)));
    }
    const step = Math.max(1, Math.ceil(xMax / 10));
    for (let epoch = 0; epoch <= xMax; epoch += step) {
      this.svg.append(node('text', { x: x(epoch), y: HEIGHT - PAD.bottom + 16, class: 'tick x' }, String(epoch)));
    }
    this.svg.append(node('text', { x: WIDTH - PAD.right, y: HEIGHT - 2, class: 'tick x end' }, 'epoch'));
    this.options.series.forEach((s, i) => {
      const points = this.values[i].map((v, epoch) => (v == null ? null : `${x(epoch + 1).toFixed(1)},${y(v).toFixed(1)}`)).filter((p) => p != null);
      if (points.length === 0) return;
      const attributes: Record<string, string | number> = { points: points.join(' '), stroke: s.color, class: 'series' };
      if (s.dashed) attributes['stroke-dasharray'] = '5 4';
      this.svg.append(node('polyline', attributes));
      const [lx, ly] = points[points.length - 1]!.split(',');
      this.svg.append(node('circle', { cx: lx, cy: ly, r: 3, fill: s.color }));
    });
  }
}

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceMax(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}
