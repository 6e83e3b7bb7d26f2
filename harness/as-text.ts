/**
 * Any value as text for a message or a report: a string as it is, other primitives as `String`
 * gives them, objects and arrays as JSON (never "[object Object]"), a function by its name.
 */
export function asText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'object':
      if (v === null) return 'null';
      try {
        return JSON.stringify(v) ?? Object.prototype.toString.call(v);
      } catch {
        return Object.prototype.toString.call(v);
      }
    case 'function':
      return `[function ${v.name || 'anonymous'}]`;
    case 'symbol':
      return v.toString();
    default:
      return String(v);
  }
}
