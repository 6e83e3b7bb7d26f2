/**
 * Scatter plot as inline SVG with the y = x line: numeric against analytic derivatives, where a
 * correct gradient puts every point on the line. Points that are not finite are counted, not drawn.
 */
import { escapeHtml } from './escape.ts';
import { formatNumber } from './format.ts';
import { finiteExtent, makeFrame, renderAxes, svgOpen } from './svg-axes.ts';

export interface ScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Index of a point to ring (the worst element). */
  highlight?: number;
  /** Draw at most this many points (an even sample of the rest); default 3000. */
  maxPoints?: number;
}

export function renderScatter(x: number[], y: number[], o: ScatterOptions): string {
  const n = Math.min(x.length, y.length);
  const finite: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) finite.push(i);
  const ext = finiteExtent(finite.flatMap((i) => [x[i]!, y[i]!])) ?? [-1, 1];
  // Same range on both axes so the y = x line is the diagonal.
  const f = makeFrame({ width: o.width ?? 320, height: o.height ?? 300, xRange: ext, yRange: ext });
  const lo = Math.max(f.x.min, f.y.min);
  const hi = Math.min(f.x.max, f.y.max);
  const out: string[] = [svgOpen(f, o.title), renderAxes(f, o.xLabel, o.yLabel)];
  out.push(`<line class="identity" x1="${f.x.at(lo).toFixed(1)}" y1="${f.y.at(lo).toFixed(1)}" x2="${f.x.at(hi).toFixed(1)}" y2="${f.y.at(hi).toFixed(1)}"/>`);
  const max = o.maxPoints ?? 3000;
  const stride = Math.max(1, Math.ceil(finite.length / max));
  const dots: string[] = [];
  for (let k = 0; k < finite.length; k += stride) {
    const i = finite[k]!;
    dots.push(`<circle cx="${f.x.at(x[i]!).toFixed(1)}" cy="${f.y.at(y[i]!).toFixed(1)}" r="2.2"/>`);
  }
  out.push(`<g class="dots">${dots.join('')}</g>`);
  const h = o.highlight;
  if (h !== undefined && h >= 0 && h < n && Number.isFinite(x[h]) && Number.isFinite(y[h])) {
    out.push(
      `<circle class="worst" cx="${f.x.at(x[h]!).toFixed(1)}" cy="${f.y.at(y[h]!).toFixed(1)}" r="6"><title>${escapeHtml(`worst: numeric ${formatNumber(x[h])}, analytic ${formatNumber(y[h])}`)}</title></circle>`,
    );
  }
  const notes: string[] = [];
  if (stride > 1) notes.push(`${dots.length} of ${finite.length} points drawn`);
  if (finite.length < n) notes.push(`${n - finite.length} not finite, not drawn`);
  if (notes.length) out.push(`<text class="note" x="${f.left + 4}" y="${f.top + 12}">${escapeHtml(notes.join('; '))}</text>`);
  out.push('</svg>');
  return out.join('');
}
