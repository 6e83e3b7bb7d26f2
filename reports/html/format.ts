/** Number and value formatting shared by the writers: short, and honest about NaN and Infinity. */

/** A number in at most `digits` significant digits; NaN, Infinity and -Infinity spelled out. */
export function formatNumber(x: unknown, digits = 4): string {
  if (typeof x !== 'number') return String(x);
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return '0';
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(digits)));
  return x.toExponential(Math.max(0, digits - 1));
}

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
    : String(shape ?? '');
}

/** Any JSON-able value as one readable line (for generic evidence tables), cut at `max` characters. */
export function formatValue(v: unknown, max = 300): string {
  let s: string;
  if (typeof v === 'number') s = formatNumber(v);
  else if (typeof v === 'string') s = v;
  else if (v === null || v === undefined) s = String(v);
  else {
    try {
      s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
    } catch {
      s = String(v);
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
