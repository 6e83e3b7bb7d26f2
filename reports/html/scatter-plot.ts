/**
 * Scatter plot as inline SVG with the y = x line: numeric against analytic derivatives, where a
 * correct gradient puts every point on the line. Points that are not finite are counted, not drawn.
 */
import { escapeHtml } from './escape.ts';
import { formatNumber } from './format.ts';
import { finiteExtent, makeFrame, renderAxes, svgOpen } from './svg-axes.ts';

export interface ScatterPoint {
  x: number;
  y: number;
  /** `fail` (red), `kink` (orange) or plain. */
  kind?: 'pass' | 'fail' | 'kink';
}

export interface ScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** A point to ring and name (the worst element). */
  mark?: { x: number; y: number; label: string };
  /** Draw at most this many points (an even sample of the rest); default 3000. */
  maxPoints?: number;
}

const KIND_CLASS = { pass: '', fail: ' class="fail"', kink: ' class="kink"' } as const;

export function renderScatter(points: ScatterPoint[], o: ScatterOptions): string {
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const mark = o.mark && Number.isFinite(o.mark.x) && Number.isFinite(o.mark.y) ? o.mark : undefined;
  const ext = finiteExtent([...finite.flatMap((p) => [p.x, p.y]), ...(mark ? [mark.x, mark.y] : [])]) ?? [-1, 1];
  // Same range on both axes so the y = x line is the diagonal.
  const f = makeFrame({ width: o.width ?? 320, height: o.height ?? 300, xRange: ext, yRange: ext });
  const lo = Math.max(f.x.min, f.y.min);
  const hi = Math.min(f.x.max, f.y.max);
  const out: string[] = [svgOpen(f, o.title), renderAxes(f, o.xLabel, o.yLabel)];
  out.push(
    `<line class="identity" x1="${f.x.at(lo).toFixed(1)}" y1="${f.y.at(lo).toFixed(1)}" x2="${f.x.at(hi).toFixed(1)}" y2="${f.y.at(hi).toFixed(1)}"><title>y = x</title></line>`,
  );
  const max = o.maxPoints ?? 3000;
  const stride = Math.max(1, Math.ceil(finite.length / max));
  const dots: string[] = [];
  // Failing points last, so they are drawn on top.
  const ordered = [...finite.filter((p) => p.kind !== 'fail'), ...finite.filter((p) => p.kind === 'fail')];
  for (let k = 0; k < ordered.length; k += stride) {
    const p = ordered[k]!;
    dots.push(
      `<circle${KIND_CLASS[p.kind ?? 'pass']} cx="${f.x.at(p.x).toFixed(1)}" cy="${f.y.at(p.y).toFixed(1)}" r="2.4"/>`,
    );
  }
  out.push(`<g class="dots">${dots.join('')}</g>`);
  if (mark) {
    out.push(
      `<circle class="worst" cx="${f.x.at(mark.x).toFixed(1)}" cy="${f.y.at(mark.y).toFixed(1)}" r="6.5"><title>${escapeHtml(`${mark.label}: numeric ${formatNumber(mark.x)}, analytic ${formatNumber(mark.y)}`)}</title></circle>`,
    );
  }
  const notes: string[] = [];
  if (stride > 1) notes.push(`${dots.length} of ${finite.length} points drawn`);
  if (finite.length < points.length) notes.push(`${points.length - finite.length} not finite, not drawn`);
  if (notes.length)
    out.push(`<text class="note" x="${f.left + 4}" y="${f.top + 12}">${escapeHtml(notes.join('; '))}</text>`);
  out.push('</svg>');
  return out.join('');
}
