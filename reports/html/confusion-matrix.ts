/**
 * A confusion matrix as an inline SVG heat map: rows are true classes, columns predicted ones,
 * each cell's shade its share of the row (the recall of that true class), with the count written in.
 */
import { escapeHtml } from './escape.ts';

export interface ConfusionOptions {
  title: string;
  /** Class labels; 0, 1, 2... when omitted. */
  labels?: string[];
}

/** `matrix[t][p]`: how many of true class t were predicted as p. Null when the data is not a square matrix of numbers. */
export function renderConfusionMatrix(matrix: unknown, o: ConfusionOptions): string | null {
  if (!Array.isArray(matrix) || matrix.length === 0) return null;
  const n = matrix.length;
  if (!matrix.every((row) => Array.isArray(row) && row.length === n && row.every((v) => typeof v === 'number')))
    return null;
  const m = matrix as number[][];
  const cell = n <= 12 ? 30 : Math.max(8, Math.floor(360 / n));
  const left = 46;
  const top = 34;
  const width = left + n * cell + 12;
  const height = top + n * cell + 12;
  const labels = o.labels ?? [...Array(n).keys()].map(String);
  const out: string[] = [
    `<svg class="plot heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}"><title>${escapeHtml(o.title)}</title>`,
    `<text class="axis-label" x="${left + (n * cell) / 2}" y="11" text-anchor="middle">predicted</text>`,
    `<text class="axis-label" x="10" y="${top + (n * cell) / 2}" text-anchor="middle" transform="rotate(-90 10 ${top + (n * cell) / 2})">true</text>`,
  ];
  for (let j = 0; j < n; j++)
    out.push(
      `<text class="tick" x="${left + j * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${escapeHtml(labels[j] ?? j)}</text>`,
    );
  for (let i = 0; i < n; i++) {
    const row = m[i]!;
    const total = row.reduce((a, b) => a + b, 0);
    out.push(
      `<text class="tick" x="${left - 6}" y="${top + i * cell + cell / 2}" dy="0.32em" text-anchor="end">${escapeHtml(labels[i] ?? i)}</text>`,
    );
    for (let j = 0; j < n; j++) {
      const v = row[j]!;
      const share = total > 0 ? v / total : 0;
      const fill =
        i === j
          ? `rgba(31,119,180,${(0.08 + 0.92 * share).toFixed(3)})`
          : `rgba(214,39,40,${(share > 0 ? 0.12 + 0.88 * Math.sqrt(share) : 0).toFixed(3)})`;
      const x = left + j * cell;
      const y = top + i * cell;
      out.push(
        `<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}"><title>${escapeHtml(`true ${labels[i]}, predicted ${labels[j]}: ${v}`)}</title></rect>`,
      );
      if (cell >= 20 && v > 0)
        out.push(
          `<text class="count${share > 0.5 ? ' light' : ''}" x="${x + cell / 2}" y="${y + cell / 2}" dy="0.32em" text-anchor="middle">${v}</text>`,
        );
    }
  }
  out.push('</svg>');
  return out.join('');
}
