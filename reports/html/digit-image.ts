/**
 * A handwritten digit (28 x 28 values in [0, 1]) as a small inline SVG, one grey square per
 * non-zero pixel, with the predicted and true labels underneath.
 */
import { escapeHtml } from './escape.ts';
import { asText } from '../../harness/as-text.ts';

/** Pixels as a flat array of side*side values or as rows; null when the data is neither. */
export function digitPixels(v: unknown): { side: number; values: number[] } | null {
  let flat: unknown[];
  if (Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r))) flat = (v as unknown[][]).flat();
  else if (Array.isArray(v)) flat = v;
  else return null;
  const side = Math.round(Math.sqrt(flat.length));
  if (side < 2 || side * side !== flat.length || !flat.every((x) => typeof x === 'number')) return null;
  return { side, values: flat };
}

export interface DigitOptions {
  predicted?: unknown;
  actual?: unknown;
  /** Pixels per image pixel; default 3. */
  scale?: number;
}

export function renderDigit(pixels: unknown, o: DigitOptions = {}): string | null {
  const p = digitPixels(pixels);
  if (!p) return null;
  const s = o.scale ?? 3;
  const size = p.side * s;
  const max = Math.max(1e-12, ...p.values.filter(Number.isFinite));
  // Values in [0, 1] as given; anything else scaled to its maximum.
  const norm = max > 1 ? max : 1;
  const rects: string[] = [];
  p.values.forEach((v, i) => {
    if (!Number.isFinite(v) || v <= 0) return;
    const level = Math.round(255 * (1 - Math.min(1, v / norm)));
    rects.push(
      `<rect x="${(i % p.side) * s}" y="${Math.floor(i / p.side) * s}" width="${s}" height="${s}" fill="rgb(${level},${level},${level})"/>`,
    );
  });
  const hasLabels = o.predicted !== undefined || o.actual !== undefined;
  const right = o.predicted !== undefined && o.actual !== undefined && asText(o.predicted) === asText(o.actual);
  const label = hasLabels
    ? `<figcaption class="${o.actual === undefined ? '' : right ? 'right' : 'wrong'}">predicted ${escapeHtml(o.predicted ?? '?')}${o.actual !== undefined ? `, true ${escapeHtml(o.actual)}` : ''}</figcaption>`
    : '';
  const title = hasLabels
    ? `digit, predicted ${asText(o.predicted ?? '?')}${o.actual !== undefined ? `, true ${asText(o.actual)}` : ''}`
    : 'digit';
  return `<figure class="digit"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img" aria-label="${escapeHtml(title)}"><rect width="${size}" height="${size}" fill="#fff"/>${rects.join('')}</svg>${label}</figure>`;
}
