/**
 * `check-layer merge-reports DIR... [--report-dir OUT]`: the JSON reports of several runs (the
 * shards of a CI matrix, each run with `--shard i/n`) merged into one set, as Playwright's
 * merge-reports does: each layer's HTML and JSON report, one index page, one JUnit file with every
 * layer's checks (`junit.xml`), and one summary on the console. The exit code is the one a
 * single run over all the files would give: 2 if a file could not run, else 1 if a check failed
 * or was incomplete, else 0; and 2 when a shard's reports are missing (`missingShards`).
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { UsageError } from '../harness/errors.ts';
import { OPTIONS, type RunOptions } from '../harness/options.ts';
import { summaryLine, type RunResult } from '../harness/result.ts';
import { escapeControl, escapeControlDeep } from '../harness/control-chars.ts';
import { allLayersLine, formatCheckLine, type ConsoleStyle } from '../reports/console.ts';
import { verdict } from '../reports/html.ts';
import { renderJunitMerged } from '../reports/junit.ts';
import { prepareReportDir, writeReports } from '../reports/write-reports.ts';
import {
  declareOptions,
  helpWidth,
  joinDashedValues,
  optionHelp,
  renderEntries,
  renderExamples,
  renderParagraphs,
  valueFlags,
} from './cli-options.ts';
import { readReportDir, type ReadReport } from './read-reports.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

const KEYS = ['reportDir', 'verbose'] as const satisfies readonly (keyof RunOptions)[];
/** The merged JUnit file's name: no layer's report is called this (theirs end in .junit.xml). */
export const MERGED_JUNIT = 'junit.xml';

export function mergeHelpText(width = helpWidth()): string {
  return [
    'Usage: check-layer merge-reports <folders..> [--report-dir OUT]',
    '',
    ...renderParagraphs(
      "Merges the JSON reports of several runs (the shards of a CI matrix, each run with --shard i/n) into one set: each layer's HTML and JSON report, index.html, one JUnit file (junit.xml) and one summary. Exit code as a single run over all the files.",
      width,
    ),
    '',
    ...renderEntries(
      'Positionals',
      [{ flags: 'folders', describe: 'Report folders the runs wrote (--report-dir)', tags: '[string]' }],
      width,
    ),
    '',
    ...renderEntries(
      'Options',
      [
        { flags: '-h, --help', describe: 'Show help', tags: '[boolean]' },
        optionHelp('reportDir', {
          reportDir: { describe: 'Folder for the merged reports (not one of the merged folders)' },
        }),
        optionHelp('verbose', { verbose: { describe: 'Show stack traces' } }),
      ],
      width,
    ),
    '',
    ...renderExamples(
      [['check-layer merge-reports shard-1 shard-2 --report-dir merged', 'two shards into one report']],
      width,
    ),
  ].join('\n');
}

export async function runMergeFromCli(argv: string[], io: Out): Promise<number> {
  let y = yargs(joinDashedValues(argv, valueFlags(KEYS)))
    .scriptName('check-layer merge-reports')
    .version(false)
    .help(false)
    .option('help', { alias: 'h', type: 'boolean' })
    .command('$0 [folders..]', false, (c) => c.positional('folders', { type: 'string', array: true }))
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(
        `merge-reports: ${(msg ?? err?.message ?? 'bad arguments').split('\n')[0]}; see check-layer merge-reports --help`,
      );
    });
  y = declareOptions(y, KEYS);
  const args = (await y.parseAsync()) as Record<string, unknown>;
  if (args['help']) {
    io.out(mergeHelpText());
    return 0;
  }
  const dirs = ((args['folders'] as unknown[] | undefined) ?? []).map(String);
  if (dirs.length === 0)
    throw new UsageError(
      'merge-reports: no report folder given; usage: check-layer merge-reports shard-1 shard-2 --report-dir merged',
    );
  const given = args['report-dir'];
  const out = given === undefined ? OPTIONS.reportDir.default : OPTIONS.reportDir.parse(given, '--report-dir');
  return mergeReports(dirs, out, io);
}

export async function mergeReports(dirs: string[], out: string, io: Out): Promise<number> {
  const outReal = realOrNull(out);
  const perDir = dirs.map((dir) => {
    if (outReal && realOrNull(dir) === outReal)
      throw new UsageError(
        `merge-reports: --report-dir ${out} is one of the folders being merged; choose another folder for the merged reports`,
      );
    return { dir, reports: readReportDir(dir) };
  });
  const read = perDir.flatMap((d) => d.reports);
  if (read.length === 0)
    throw new UsageError(
      `merge-reports: no JSON report in ${dirs.join(', ')}; run each shard with the json format (it is in the default --format html,json)`,
    );
  for (const d of perDir)
    if (d.reports.length === 0) io.err(`check-layer: merge-reports: ${d.dir} has no JSON report (an empty shard?)`);
  warnDuplicates(read, io);
  const missing = missingShards(read);
  for (const m of missing) io.err(`check-layer: merge-reports: ${m}`);
  const runs = sortRuns(read);
  prepareReportDir(out);
  const written = await writeReports(runs, out, ['html', 'json'], {
    index: true,
    files: [{ name: MERGED_JUNIT, text: renderJunitMerged(runs) }],
  });
  const style: ConsoleStyle = {
    color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'] && !process.env['CI'],
  };
  for (const run of runs) {
    io.out(`${verdict(run).label.padEnd(13)} ${run.layer.file}: ${summaryLine(run.summary)}`);
    if (run.loadError) io.out(`  ${escapeControl(run.loadError.message)}`);
    for (const c of run.checks)
      if (c.status === 'failed' || c.status === 'incomplete') io.out(formatCheckLine(escapeControlDeep(c), style));
  }
  io.out(
    `Merged ${read.length} report${read.length === 1 ? '' : 's'} from ${dirs.length} folder${dirs.length === 1 ? '' : 's'}.`,
  );
  io.out(`Report: ${shownPath(written.index ?? out)}`);
  io.out(`JUnit: ${shownPath(path.join(out, MERGED_JUNIT))}`);
  io.out(allLayersLine(runs));
  if (missing.length) {
    io.out(
      `Incomplete: ${missing.length} shard${missing.length === 1 ? '' : 's'} without all of their reports (see above); exit code 2`,
    );
    return 2;
  }
  return Math.max(...runs.map((r) => r.exitCode));
}

/**
 * Shards whose reports are not all there. Each report of a sharded run carries its shard
 * (`options.shard`: index, total, and the whole run's file count), so the merge knows how many
 * reports every shard owes (round-robin: shard i of n over F files has floor((F - i) / n) + 1
 * when i <= F) and can say which are missing: a folder not given, an artifact not uploaded, a
 * machine that did not finish. Without it a failing layer could drop out of the verdict unseen.
 */
export function missingShards(read: readonly ReadReport[]): string[] {
  const owed = new Map<string, { index: number; total: number; files: number; found: number }>();
  for (const r of read) {
    const s = shardOf(r.run);
    if (!s) continue;
    const key = `${s.index}/${s.total}/${s.files}`;
    const entry = owed.get(key) ?? { ...s, found: 0 };
    entry.found++;
    owed.set(key, entry);
  }
  const problems: string[] = [];
  const runsOf = new Set([...owed.values()].map((e) => `${e.total}/${e.files}`));
  for (const run of runsOf) {
    const [total, files] = run.split('/').map(Number) as [number, number];
    for (let index = 1; index <= total; index++) {
      const expected = index <= files ? Math.floor((files - index) / total) + 1 : 0;
      const found = owed.get(`${index}/${total}/${files}`)?.found ?? 0;
      if (found < expected)
        problems.push(
          `shard ${index}/${total} should have ${expected} report${expected === 1 ? '' : 's'} (${files} layer files over ${total} shards), found ${found}: give its folder too, or rerun it`,
        );
    }
  }
  return problems;
}

function shardOf(run: RunResult): { index: number; total: number; files: number } | null {
  const s = run.options?.['shard'] as { index?: unknown; total?: unknown; files?: unknown } | null | undefined;
  if (!s || !Number.isInteger(s.index) || !Number.isInteger(s.total) || !Number.isInteger(s.files)) return null;
  return { index: s.index as number, total: s.total as number, files: s.files as number };
}

/** By layer file (code-unit order, the shards' order), then by where they were read. */
function sortRuns(read: ReadReport[]): RunResult[] {
  return read
    .map((r, i) => ({ ...r, i }))
    .sort((a, b) => (a.run.layer.file < b.run.layer.file ? -1 : a.run.layer.file > b.run.layer.file ? 1 : a.i - b.i))
    .map((r) => r.run);
}

/** A layer file in two reports (a shard merged twice?) is kept twice; say so. */
function warnDuplicates(read: ReadReport[], io: Out): void {
  const seen = new Map<string, string>();
  for (const r of read) {
    const key = `${r.run.layer.file}\u0000${r.run.layer.exportName}`;
    const first = seen.get(key);
    if (first)
      io.err(
        `check-layer: merge-reports: ${r.run.layer.file} is in both ${first} and ${r.path}; both are kept (was a folder given twice?)`,
      );
    else seen.set(key, r.path);
  }
}

function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : path.resolve(p);
}
