/**
 * Small dependency-free SVG charts (Fig. 6's accuracy curves, the ablation's
 * delta bars); sharp turns the SVG into a PNG so both can be committed.
 */
import sharp from 'sharp';
import { atomicWriteFile } from '../util/files';

export interface Series {
  label: string;
  points: ReadonlyArray<{ x: number; y: number }>;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
}

export interface BarChart {
  title: string;
  yLabel: string;
  /** One name per bar within a group, e.g. ["paper", "ours"]. */
  seriesNames: readonly string[];
  groups: ReadonlyArray<{ label: string; values: ReadonlyArray<number | undefined> }>;
}

const WIDTH = 800;
const HEIGHT = 500;
const MARGIN = { left: 70, right: 180, top: 50, bottom: 90 };
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round-number axis ticks covering [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  body: string[];
}

/** Axes, grid, labels and title; returns the data-to-pixel maps. */
function frame(title: string, xLabel: string, yLabel: string, xTicks: readonly number[] | null, yTicks: readonly number[], xDomain: [number, number]): Frame {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const [x0, x1] = xDomain;
  const x = (v: number) => MARGIN.left + ((v - x0) / (x1 - x0 || 1)) * plotW;
  const y = (v: number) => MARGIN.top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
  const body = [
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold">${escapeXml(title)}</text>`,
    ...yTicks.map((t) => `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`
      + `<text x="${MARGIN.left - 8}" y="${y(t) + 4}" text-anchor="end" font-size="12">${t}</text>`),
    ...(xTicks ?? []).map((t) => `<text x="${x(t)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle" font-size="12">${t}</text>`),
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 20}" text-anchor="middle" font-size="14">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="14">${escapeXml(yLabel)}</text>`,
  ];
  return { x, y, body };
}

function legend(names: readonly string[]): string[] {
  const left = WIDTH - MARGIN.right + 15;
  return names.flatMap((name, i) => {
    const top = MARGIN.top + 10 + i * 22;
    return [
      `<rect x="${left}" y="${top - 9}" width="14" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text x="${left + 20}" y="${top}" font-size="13">${escapeXml(name)}</text>`,
    ];
  });
}

function svgDocument(body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export function lineChartSvg(chart: LineChart): string {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = chart.series.flatMap((s) => s.points.map((p) => p.y));
  const xTicks = niceTicks(Math.min(0, ...xs), xs.length ? Math.max(...xs) : 1);
  const yTicks = niceTicks(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const f = frame(chart.title, chart.xLabel, chart.yLabel, xTicks, yTicks, [xTicks[0], xTicks[xTicks.length - 1]]);
  const lines = chart.series.map((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${f.x(p.x).toFixed(1)},${f.y(p.y).toFixed(1)}`).join(' ');
    return `<path d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"/>`;
  });
  return svgDocument([...f.body, ...lines, ...legend(chart.series.map((s) => s.label))]);
}

export function barChartSvg(chart: BarChart): string {
  const values = chart.groups.flatMap((g) => g.values.filter((v): v is number => v !== undefined));
  const yTicks = niceTicks(Math.min(0, ...values), Math.max(0, ...values, 0.1));
  const n = chart.groups.length;
  const f = frame(chart.title, '', chart.yLabel, null, yTicks, [0, n]);
  const slot = (f.x(1) - f.x(0)) * 0.8;
  const barW = slot / chart.seriesNames.length;
  const bars = chart.groups.flatMap((g, gi) => {
    const left = f.x(gi) + (f.x(1) - f.x(0)) * 0.1;
    const label = `<text transform="translate(${left + slot / 2} ${HEIGHT - MARGIN.bottom + 14}) rotate(20)" font-size="11">${escapeXml(g.label)}</text>`;
    const rects = g.values.map((v, si) => {
      if (v === undefined) return '';
      const [top, bottom] = [f.y(Math.max(v, 0)), f.y(Math.min(v, 0))];
      return `<rect x="${(left + si * barW).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(bottom - top, 0.5).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"/>`;
    });
    return [...rects, label];
  });
  const zero = `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${f.y(0)}" y2="${f.y(0)}" stroke="#333"/>`;
  return svgDocument([...f.body, zero, ...bars, ...legend(chart.seriesNames)]);
}

/** Writes `<base>.svg` and `<base>.png` (rendered by sharp), both atomically. */
export async function writeChart(base: string, svg: string): Promise<void> {
  atomicWriteFile(`${base}.svg`, svg);
  atomicWriteFile(`${base}.png`, await sharp(Buffer.from(svg)).png().toBuffer());
}
