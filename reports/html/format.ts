/** Number and value formatting shared by the writers: short, and honest about NaN and Infinity. */
import { asText } from '../../harness/as-text.ts';
import { formatNumber } from '../../harness/format-number.ts';

export { formatNumber };

/** Milliseconds as a short duration: `12 ms`, `3.40 s`, `2 min 5 s`. */
export function formatDuration(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** A shape as `[8, 8, 20]`. */
export function formatShape(shape: unknown): string {
  return Array.isArray(shape)
    ? `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`
    : asText(shape ?? '');
}

/** Any JSON-able value as one readable line (for generic evidence tables), cut at `max` characters. */
export function formatValue(v: unknown, max = 300): string {
  let s: string;
  if (typeof v === 'number') s = formatNumber(v);
  else if (typeof v === 'string') s = v;
  else if (v === null || v === undefined) s = String(v);
  else {
    try {
      s =
        JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ??
        asText(v);
    } catch {
      s = asText(v);
    }
  }
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

/** Finite numbers from an unknown value, or null when it is not an array of numbers. */
export function numberArray(v: unknown): number[] | null {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' || x === null || typeof x === 'string')) return null;
  return v.map((x) => (typeof x === 'number' ? x : x === null ? NaN : Number(x)));
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
