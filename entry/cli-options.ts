/**
 * The command line's view of the options table (harness/options.ts): yargs declarations, the loose
 * values read back by option key, and --help rendered from the table, word-wrapped to the
 * terminal's width. yargs parses every value as text so that the table's parsers see what the
 * user typed (a number flag typed as 'number' would turn "" into 0 and "abc" into NaN).
 */
import type { Argv } from 'yargs';
import { asText } from '../harness/as-text.ts';
import { OPTIONS, type RunOptions } from '../harness/options.ts';

type Key = keyof RunOptions;

/** Per-command changes to a table entry: the train command calls trainBackend `--backend`. */
export type FlagOverrides = Partial<Record<Key, { flag?: string; describe?: string }>>;

export const flagOf = (k: Key, o: FlagOverrides = {}): string => o[k]?.flag ?? OPTIONS[k].flag ?? k;

/** Declares the options `keys` on a yargs parser, every value as text (booleans as booleans). */
export function declareOptions<T>(y: Argv<T>, keys: readonly Key[], o: FlagOverrides = {}): Argv<T> {
  let out = y;
  for (const k of keys)
    out = out.option(flagOf(k, o), { type: OPTIONS[k].type === 'boolean' ? 'boolean' : 'string', describe: '' });
  return out;
}

/** The values the user gave, by option key (undefined where not given). */
export function looseOptions(
  args: Record<string, unknown>,
  keys: readonly Key[],
  o: FlagOverrides = {},
): Partial<Record<Key, unknown>> {
  return Object.fromEntries(keys.map((k) => [k, args[flagOf(k, o)]]));
}

/**
 * `--input-size -4,4,3`: yargs would read `-4,4,3` as short flags ("Unknown argument: 4"). A value
 * flag followed by a word that starts with '-' and is not a flag takes it as its value.
 */
export function joinDashedValues(argv: string[], valueFlags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const next = argv[i + 1];
    if (
      valueFlags.includes(a.replace(/^--/, '')) &&
      a.startsWith('--') &&
      next?.startsWith('-') &&
      !next.startsWith('--')
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export const valueFlags = (keys: readonly Key[], o: FlagOverrides = {}): string[] =>
  keys.filter((k) => OPTIONS[k].type !== 'boolean').map((k) => flagOf(k, o));

/** The width --help is laid out for: the terminal's (or $COLUMNS), at most 120. */
export function helpWidth(): number {
  const cols = process.stdout.columns || Number(process.env['COLUMNS']) || 120;
  return Math.max(40, Math.min(120, cols));
}

export interface HelpEntry {
  flags: string;
  describe: string;
  /** `[number] [default: 30]` */
  tags: string;
}

/** A table option as a --help line. */
export function optionHelp(k: Key, o: FlagOverrides = {}): HelpEntry {
  const spec = OPTIONS[k];
  const shownDefault =
    spec.defaultText ?? (Array.isArray(spec.default) ? spec.default.join(',') : asText(spec.default));
  const tags = `[${spec.type}]${shownDefault ? ` [default: ${shownDefault}]` : ''}`;
  return { flags: `--${flagOf(k, o)}`, describe: o[k]?.describe ?? spec.describe, tags };
}

/** Words of `text` in lines of at most `width` characters (a word longer than that stands alone). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** A section of flags: flag column, description wrapped beside it, type and default at the right. */
export function renderEntries(title: string, entries: readonly HelpEntry[], width: number): string[] {
  const flagWidth = Math.max(...entries.map((e) => e.flags.length)) + 2;
  const textWidth = Math.max(20, width - flagWidth - 2);
  const pad = ' '.repeat(flagWidth + 2);
  const out = [`${title}:`];
  for (const e of entries) {
    const lines = wrapWords(e.describe, textWidth);
    const last = lines.length ? lines[lines.length - 1]! : '';
    if (e.tags && last.length + 2 + e.tags.length <= textWidth) {
      lines[Math.max(lines.length - 1, 0)] = `${last.padEnd(textWidth - e.tags.length)}${e.tags}`;
    } else if (e.tags) lines.push(e.tags.padStart(textWidth));
    lines.forEach((l, i) => out.push(`${i === 0 ? `  ${e.flags.padEnd(flagWidth)}` : pad}${l}`.trimEnd()));
  }
  return out;
}

/** Examples: the command on its own line, what it does wrapped under it. */
export function renderExamples(examples: readonly [string, string][], width: number): string[] {
  const out = ['Examples:'];
  for (const [cmd, what] of examples) {
    out.push(`  ${cmd}`, ...wrapWords(what, width - 6).map((l) => `      ${l}`));
  }
  return out;
}

/** Paragraphs (separated by blank lines), each word-wrapped. */
export function renderParagraphs(text: string, width: number): string[] {
  return text.split(/\n\s*\n/).flatMap((p, i) => [...(i ? [''] : []), ...wrapWords(p, width)]);
}
