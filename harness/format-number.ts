/**
 * Numbers as messages and reports show them: at most `digits` significant digits, plain between
 * 1e-3 and 1e6 and in exponent form outside, whole numbers below 1e9 exact, and NaN, Infinity
 * and -Infinity spelled out. Anything that is not a number is shown as `String` shows it.
 */
export function formatNumber(x: unknown, digits = 4): string {
  if (typeof x !== 'number') return typeof x === 'string' ? x : (JSON.stringify(x) ?? String(x));
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return '0';
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(digits)));
  return x.toExponential(Math.max(0, digits - 1));
}
