/**
 * The replay of one check: the command that runs it again with every option that changes its
 * result (the options table marks them with `replay`). Every place that prints a replay builds it
 * here: the checks' results in the worker, a check the runner stopped or lost, the programmatic API.
 */
import type { CatalogEntry } from './catalog.ts';
import {
  API_OPTION_KEYS,
  MAX_TIMEOUT_SECONDS,
  OPTION_KEYS,
  OPTIONS,
  inputSizeText,
  optionName,
  type InputSize,
  type RunOptions,
} from './options.ts';
import { shellQuote } from './shell-quote.ts';

/** The options a replay of `check` carries, in the table's order, as [option key, value]. */
export function replayOptions(check: CatalogEntry, options: RunOptions): [keyof RunOptions, unknown][] {
  return OPTION_KEYS.filter((k) => OPTIONS[k].flag !== null && OPTIONS[k].replay?.(options, check) === true).map(
    (k) => [k, options[k]],
  );
}

/**
 * `npx check-layer FILE --checks ID --seed 1 --backend cpu ...`. `options` are the run's; pass
 * changed ones (a raised timeout for a check that timed out) in it.
 */
export function replayCommand(file: string, check: CatalogEntry, options: RunOptions): string {
  const words = ['npx', 'check-layer', shellQuote(file), '--checks', check.id];
  for (const [k, value] of replayOptions(check, options)) {
    if (typeof value === 'boolean') {
      if (value) words.push(optionName(k));
    } else if (k === 'inputSize') {
      words.push(optionName(k), shellQuote(inputSizeText(value as InputSize)));
    } else {
      words.push(optionName(k), shellQuote(Array.isArray(value) ? value.join(',') : String(value)));
    }
  }
  return words.join(' ');
}

/**
 * The same replay as a call of the programmatic API, for runs made through it (a layer given as a
 * value has no file to name): `checkLayer(layer, { checks: ['id'], seed: 1, ... })`.
 */
export function apiReplay(check: CatalogEntry, options: RunOptions): string {
  const api: readonly string[] = API_OPTION_KEYS;
  const fields = [`checks: ['${check.id}']`];
  for (const [k, value] of replayOptions(check, options)) {
    if (api.includes(k)) fields.push(`${k}: ${JSON.stringify(value).replace(/"/g, "'")}`);
  }
  return `checkLayer(layer, { ${fields.join(', ')} })`;
}

/** The timeout a replay of a check that timed out gets: four times the run's, within the option's bounds. */
export function raisedTimeout(options: RunOptions): number {
  return Math.min(options.timeoutSeconds * 4, MAX_TIMEOUT_SECONDS);
}
