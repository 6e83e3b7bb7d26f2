/**
 * Plot frames for inline SVG: linear scales with round tick values, axes, grid lines and labels.
 * Pure string building; every label is escaped.
 */
import { escapeHtml } from './escape.ts';
import { formatNumber } from './format.ts';

export interface Frame {
  width: number;
  height: number;
  /** Plot area inside the margins. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  x: Scale;
  y: Scale;
}

export interface Scale {
  min: number;
  max: number;
  ticks: number[];
  /** Data value to pixel. */
  at(v: number): number;
}

/** Round tick values covering [min, max] (about `count` of them), and the widened domain. */
export function niceTicks(min: number, max: number, count = 5): { min: number; max: number; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, ticks: [0, 0.5, 1] };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  if (min > max) [min, max] = [max, min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9 && i < 100; i++)
    ticks.push(Number((lo + i * step).toPrecision(12)));
  return { min: lo, max: hi, ticks };
}

function scale(min: number, max: number, from: number, to: number, ticks: number[]): Scale {
  const span = max - min || 1;
  return { min, max, ticks, at: (v) => from + ((v - min) / span) * (to - from) };
}

export interface FrameOptions {
  width?: number;
  height?: number;
  xRange: [number, number];
  yRange: [number, number];
  /** Use these exact ranges instead of widening them to round ticks. */
  exact?: boolean;
}

export function makeFrame(o: FrameOptions): Frame {
  const width = o.width ?? 420;
  const height = o.height ?? 280;
  const left = 58;
  const top = 14;
  const right = width - 14;
  const bottom = height - 42;
  const xt = niceTicks(o.xRange[0], o.xRange[1]);
  const yt = niceTicks(o.yRange[0], o.yRange[1]);
  const xs = o.exact
    ? { ...xt, min: o.xRange[0], max: o.xRange[1], ticks: xt.ticks.filter((t) => t >= o.xRange[0] && t <= o.xRange[1]) }
    : xt;
  const ys = o.exact
    ? { ...yt, min: o.yRange[0], max: o.yRange[1], ticks: yt.ticks.filter((t) => t >= o.yRange[0] && t <= o.yRange[1]) }
    : yt;
  return {
    width,
    height,
    left,
    top,
    right,
    bottom,
    x: scale(xs.min, xs.max, left, right, xs.ticks),
    y: scale(ys.min, ys.max, bottom, top, ys.ticks),
  };
}

/** Grid lines, tick labels and axis titles. */
export function renderAxes(f: Frame, xLabel: string, yLabel: string): string {
  const parts: string[] = [];
  for (const t of f.x.ticks) {
    const px = f.x.at(t).toFixed(1);
    parts.push(`<line class="grid" x1="${px}" y1="${f.top}" x2="${px}" y2="${f.bottom}"/>`);
    parts.push(
      `<text class="tick" x="${px}" y="${f.bottom + 14}" text-anchor="middle">${escapeHtml(formatNumber(t, 3))}</text>`,
    );
  }
  for (const t of f.y.ticks) {
    const py = f.y.at(t).toFixed(1);
    parts.push(`<line class="grid" x1="${f.left}" y1="${py}" x2="${f.right}" y2="${py}"/>`);
    parts.push(
      `<text class="tick" x="${f.left - 5}" y="${py}" dy="0.32em" text-anchor="end">${escapeHtml(formatNumber(t, 3))}</text>`,
    );
  }
  parts.push(
    `<rect class="frame" x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}"/>`,
  );
  parts.push(
    `<text class="axis-label" x="${(f.left + f.right) / 2}" y="${f.height - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
  );
  const cy = (f.top + f.bottom) / 2;
  parts.push(
    `<text class="axis-label" x="14" y="${cy}" text-anchor="middle" transform="rotate(-90 14 ${cy})">${escapeHtml(yLabel)}</text>`,
  );
  return parts.join('');
}

/** The opening tag of a plot's SVG, with an accessible title. */
export function svgOpen(f: { width: number; height: number }, title: string, cls = 'plot'): string {
  return `<svg class="${cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>`;
}

/** Min and max of the finite values, or null when there are none. */
export function finiteExtent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}
