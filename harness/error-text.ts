/**
 * What was thrown, as one line: an Error's message, anything else by value (`{ code: 42 }`, not
 * "[object Object]"; a string as it is).
 */
import { inspect } from 'node:util';

export function errorText(e: unknown): string {
  if (e instanceof Error) return firstLine(e.message || e.name);
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string')
    return firstLine((e as { message: string }).message);
  if (typeof e === 'string') return firstLine(e);
  return `${inspect(e, { breakLength: Infinity, depth: 2 })} (thrown, not an Error)`;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
