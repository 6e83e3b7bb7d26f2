/** Line charts as inline SVG: several named series over a shared x axis, with a legend. NaN and Infinity break a line. */
import { escapeHtml } from './escape.ts';
import { finiteExtent, makeFrame, renderAxes, svgOpen } from './svg-axes.ts';

export interface Series {
  name: string;
  /** x values; 1, 2, 3... when omitted. */
  x?: number[];
  y: number[];
  color?: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Fix the y range (for example [0, 1] for accuracy); values outside are clipped by the frame. */
  yRange?: [number, number];
  xRange?: [number, number];
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export function renderLineChart(series: Series[], o: LineChartOptions): string {
  const pts = series.map((s) => s.y.map((y, i) => [s.x?.[i] ?? i + 1, y] as [number, number]));
  const xs = finiteExtent(pts.flat().map((p) => p[0])) ?? [0, 1];
  const ys = finiteExtent(
    pts
      .flat()
      .filter((p) => Number.isFinite(p[0]))
      .map((p) => p[1]),
  ) ?? [0, 1];
  const width = o.width ?? 420;
  const legend = legendLayout(
    series.map((s) => s.name),
    58,
    width - 14,
  );
  const legendHeight = legend.rows * 18;
  const height = (o.height ?? 260) + legendHeight;
  const f = makeFrame({
    width,
    height: height - legendHeight,
    xRange: o.xRange ?? xs,
    yRange: o.yRange ?? ys,
    exact: !!(o.xRange || o.yRange),
  });
  const out: string[] = [svgOpen({ width: f.width, height }, o.title), renderAxes(f, o.xLabel, o.yLabel)];
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    // Values outside a fixed range are drawn on the frame's edge.
    const d = pathData(
      pts[k]!,
      (x) => clamp(f.x.at(x), f.left, f.right),
      (y) => clamp(f.y.at(y), f.top, f.bottom),
    );
    if (d) out.push(`<path class="series" d="${d}" stroke="${color}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (pts[k]!.filter((p) => Number.isFinite(p[1])).length === 1) {
      const p = pts[k]!.find((q) => Number.isFinite(q[1]))!;
      out.push(
        `<circle cx="${clamp(f.x.at(p[0]), f.left, f.right).toFixed(1)}" cy="${clamp(f.y.at(p[1]), f.top, f.bottom).toFixed(1)}" r="3" fill="${color}"/>`,
      );
    }
    const lx = legend.at[k]!.x;
    const ly = f.height + 4 + 18 * legend.at[k]!.row;
    out.push(
      `<line x1="${lx}" y1="${ly + 5}" x2="${lx + 20}" y2="${ly + 5}" stroke="${color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text class="legend" x="${lx + 25}" y="${ly + 5}" dy="0.32em">${escapeHtml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** SVG path data through the points; a non-finite value ends a segment. */
export function pathData(points: [number, number][], px: (x: number) => number, py: (y: number) => number): string {
  let d = '';
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)} ${py(y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** Legend entries left to right, wrapping to a new row when the next would not fit (text width estimated at 7 px a character). */
function legendLayout(
  names: string[],
  left: number,
  right: number,
): { rows: number; at: { x: number; row: number }[] } {
  const at: { x: number; row: number }[] = [];
  let x = left;
  let row = 0;
  for (const n of names) {
    const w = 25 + 7 * Math.min(n.length, 60) + 16;
    if (x > left && x + w > right) {
      x = left;
      row++;
    }
    at.push({ x, row });
    x += w;
  }
  return { rows: names.length ? row + 1 : 0, at };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
