/**
 * Text from a layer can be any size (an error message holding a whole tensor's values, a megabyte
 * on one line). Every message, detail and warning of a result, and every string in its evidence,
 * is cut to MESSAGE_CAP characters, saying how much was left out; the whole message is kept once
 * (CheckResult.fullMessage, in the JSON report).
 */
export const MESSAGE_CAP = 2048;

/** `text` itself when short enough, else its start and `... [N more characters<where>]`, MESSAGE_CAP long at most. */
export function capText(text: string, where = ''): string {
  if (text.length <= MESSAGE_CAP) return text;
  const tail = (kept: number) => ` ... [${(text.length - kept).toLocaleString('en-US')} more characters${where}]`;
  let kept = MESSAGE_CAP - tail(MESSAGE_CAP).length;
  kept = MESSAGE_CAP - tail(kept).length;
  return text.slice(0, kept) + tail(kept);
}

/** A copy of a JSON-able value with every string capped (numbers, arrays and keys as they are). */
export function capStrings<T>(value: T): T {
  if (typeof value === 'string') return capText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => capStrings(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, capStrings(v)])) as T;
  }
  return value;
}
