/**
 * Control characters from a layer (its error messages, names, console output) shown as visible
 * escapes, so that `ESC[2J` cannot clear a terminal, `ESC]0;...` set its title, or U+0000 end up
 * in an HTML or XML report: C0 controls other than tab and newline, DEL and C1 controls become
 * `\x1b`, `\x00`, `\x9b`; line and paragraph separators `\u2028`.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** Escapes the control characters in every string of a JSON-like value (the run result before it is shown). */
export function escapeControlDeep<T>(v: T): T {
  if (typeof v === 'string') return escapeControl(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => escapeControlDeep(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = escapeControlDeep(x);
    return out as T;
  }
  return v;
}
