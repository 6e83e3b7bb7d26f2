/**
 * The command line: `check-layer [files..]` runs the checks on each layer file and writes the
 * reports; `check-layer train` trains the seed network. Options are resolved once here; every
 * usage or loading problem is one line on stderr and exit code 2.
 */
import { availableParallelism, totalmem } from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { allLayersLine, formatCheckLine, formatHeader, formatSummary, type ConsoleStyle } from '../reports/console.ts';
import { prepareReportDir, writeReports } from '../reports/write-reports.ts';
import { UsageError } from '../harness/errors.ts';
import { HeldOutput } from './held-output.ts';
import {
  defaultMemoryLimitMb,
  effectiveJobs,
  FLAG_KEYS,
  resolveRunOptions,
  selectChecks,
  type RunOptions,
} from '../harness/options.ts';
import {
  declareOptions,
  flagOf,
  helpWidth,
  joinDashedValues,
  looseOptions,
  optionHelp,
  renderEntries,
  renderExamples,
  renderParagraphs,
  valueFlags,
} from './cli-options.ts';
import { isTrainingOnly, SUITES, type RunResult } from '../harness/result.ts';
import { layerOutputLine, runFileIsolated, type CheckProcessSlot } from './run-file.ts';
import { runFilesInLanes, type LaneFigures } from './run-files.ts';
import { shardFiles } from './shard.ts';
import { CATALOG } from '../harness/catalog.ts';
import { TOOL_VERSION } from '../harness/version.ts';
import { escapeControl, escapeControlDeep } from '../harness/control-chars.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

/** The check command's options: every option of the table that has a flag, in the table's order. */
const KEYS = FLAG_KEYS;

const EXAMPLES: [string, string][] = [
  ['check-layer ./myLayer.ts', 'shape, gradient, stability and backend suites; reports in ./check-layer-report'],
  [
    'check-layer ./myLayer.ts --input-size 24,24,20 --suites shape,gradient',
    'only two suites, with the observation size given',
  ],
  [
    'check-layer ./gatedResidual.ts --input-size 4,4,3 --input-size 4,4,3',
    'a layer with two inputs: one size per input, in order',
  ],
  [
    'check-layer ./myLayer.ts --suites all --epochs 5 --train-size 2000',
    'also train the seed network on digits, shortened',
  ],
  ['check-layer a.ts b.ts --format html,json,junit', 'several layers, an index page, JUnit XML for CI'],
  ['check-layer ./myLayer.ts --checks gradientsAreNumericallyCorrect --seed 7', 'replay one check with a seed'],
  [
    'check-layer layers/*.ts --shard 2/4 --jobs 2 --report-dir shard-2',
    "one CI machine's share (the second of four), two files at a time",
  ],
  ['check-layer merge-reports shard-1 shard-2 shard-3 shard-4', 'the shards merged: index page, JUnit file, summary'],
  ['check-layer train --epochs 30', 'the walkthrough: train the seed network with the reference ELU'],
];

const EPILOGUE = `Checks a TensorFlow.js custom layer: contract and shapes, gradients (float32-correct finite differences), stability at extreme inputs, training on real digits, agreement across backends.

Exit codes: 0 nothing failed, 1 a check failed or was incomplete, 2 the run could not start (usage, loading).`;

/** --help, from the options table, wrapped to the terminal's width. */
export function helpText(width = helpWidth()): string {
  return [
    'Usage: check-layer <layer files..> [options]',
    '       check-layer train [--layer FILE] [options]',
    '       check-layer merge-reports <folders..> [--report-dir OUT]',
    '',
    ...renderEntries(
      'Positionals',
      [{ flags: 'files', describe: 'Layer files (.ts, .mts, .js, .mjs)', tags: '[string]' }],
      width,
    ),
    '',
    ...renderEntries(
      'Options',
      [
        { flags: '--version', describe: 'Show version number', tags: '[boolean]' },
        { flags: '-h, --help', describe: 'Show help', tags: '[boolean]' },
        { flags: '--list-checks', describe: 'List every check id by suite, then exit', tags: '[boolean]' },
        ...KEYS.map((k) => optionHelp(k)),
      ],
      width,
    ),
    '',
    ...renderExamples(EXAMPLES, width),
    '',
    ...renderParagraphs(EPILOGUE, width),
  ].join('\n');
}

export async function main(
  argv: string[],
  io: Out = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) },
): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    if (argv[0] === 'train') return await trainCommand(argv.slice(1), io);
    if (argv[0] === 'merge-reports') return await mergeCommand(argv.slice(1), io);
    return await checkCommand(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`check-layer: ${e.message}`);
      if (e.hint) io.err(`  ${e.hint}`);
      return 2;
    }
    const err = e as Error;
    io.err(
      `check-layer: internal error: ${err?.message?.split('\n')[0] ?? String(e)}${verbose ? '' : ' (run with --verbose for the stack trace)'}`,
    );
    if (verbose && err?.stack) io.err(err.stack);
    return 2;
  }
}

function parser(argv: string[]) {
  const y = yargs(argv)
    .scriptName('check-layer')
    .version(TOOL_VERSION)
    .help(false)
    .option('help', { alias: 'h', type: 'boolean' })
    .command('$0 [files..]', false, (c) => c.positional('files', { type: 'string', array: true }))
    .option('list-checks', { type: 'boolean' })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(`${(msg ?? err?.message ?? 'bad arguments').split('\n')[0]}; see check-layer --help`);
    });
  return declareOptions(y, KEYS);
}

/** The command line, parsed: null when it only asked for --help or --version (already printed). */
async function parseCommandLine(argv: string[], io: Out): Promise<Record<string, unknown> | null> {
  let versionText = '';
  const args = (await parser(argv).parseAsync(joinDashedValues(argv, valueFlags(KEYS)), {}, (_err, _argv, output) => {
    versionText = output;
  })) as Record<string, unknown>;
  if (versionText) {
    io.out(versionText);
    return null;
  }
  if (args['help']) {
    io.out(helpText());
    return null;
  }
  return args;
}

function listChecks(io: Out): number {
  for (const suite of SUITES) {
    io.out(`${suite}:`);
    for (const c of CATALOG.filter((x) => x.suite === suite)) io.out(`  ${c.id.padEnd(38)} ${c.title}`);
  }
  return 0;
}

async function checkCommand(argv: string[], io: Out): Promise<number> {
  const args = await parseCommandLine(argv, io);
  if (!args) return 0;
  const files = ((args['files'] as unknown[] | undefined) ?? []).map(String);
  if (files.length === 0 && !args['list-checks'])
    throw new UsageError('no layer file given; usage: check-layer ./myLayer.ts (see check-layer --help)');
  if (args['list-checks']) return listChecks(io);
  let options = resolveRunOptions(looseOptions(args, KEYS));
  const chosen = options.shard ? shardFiles(files, options.shard) : files;
  if (options.shard) {
    const { index, total } = options.shard;
    options = { ...options, shard: { index, total, files: files.length } };
    if (chosen.length === 0) {
      io.out(
        `Shard ${index}/${total}: no layer file falls in it (${files.length} file${files.length === 1 ? '' : 's'} over ${total} shards); nothing to check.`,
      );
      return 0;
    }
    io.err(`check-layer: shard ${index}/${total}: ${chosen.length} of ${files.length} layer files`);
  }
  const jobs = effectiveJobs(options, chosen.length);
  // Each check process gets its share of the default memory limit (half the machine's memory) and
  // of the default training workers (the cores), so N processes training at once do not ask for N
  // times the machine.
  if (jobs > 1 && args[flagOf('memoryLimitMb')] === undefined)
    options = { ...options, memoryLimitMb: defaultMemoryLimitMb(totalmem() / jobs) };
  if (jobs > 1 && args[flagOf('trainWorkers')] === undefined)
    options = { ...options, trainWorkers: Math.max(1, Math.floor(options.trainWorkers / jobs)) };
  else if (jobs > 1 && options.suites.includes('training')) {
    const cores = availableParallelism();
    if (jobs * options.trainWorkers > cores)
      io.err(
        `check-layer: --jobs ${jobs} x --workers ${options.trainWorkers} = ${jobs * options.trainWorkers} training threads on ${cores} cores: they will share cores and each run slower; leave --workers out to share them out`,
      );
  }
  prepareReportDir(options.reportDir);
  const runs = jobs === 1 ? await checkOneByOne(chosen, options, io) : await checkInParallel(chosen, options, jobs, io);
  await writeAndSummarize(runs, options, io);
  return Math.max(...runs.map((r) => r.exitCode));
}

/** One file at a time, in one check process, its lines shown as they come. */
async function checkOneByOne(files: string[], options: RunOptions, io: Out): Promise<RunResult[]> {
  const started = performance.now();
  const { results, lanes } = await runFilesInLanes(files, 1, (file, _i, slot) =>
    checkFile(file, options, io, { slot }),
  );
  if (files.length > 1) io.out(processesLine(lanes, started));
  return results;
}

/**
 * `--jobs N`: N files at a time, each in its own check process. A file's console block (header,
 * check lines, the layer's output, summary) is held until the file ends and then printed whole,
 * so blocks never mix (at most about 1 MB of it: held-output.ts); progress lines (training) go to stderr as they come, prefixed with the
 * file, and a line after each file says how far the run is.
 */
async function checkInParallel(files: string[], options: RunOptions, jobs: number, io: Out): Promise<RunResult[]> {
  io.err(`check-layer: ${files.length} layer files, ${jobs} at a time (--jobs ${jobs})`);
  const started = performance.now();
  let done = 0;
  const { results, lanes } = await runFilesInLanes(files, jobs, async (file, _i, slot) => {
    const block = new HeldOutput();
    const held: Out = {
      out: (text) => block.push('out', text),
      err: (text) => block.push('err', text),
    };
    const run = await checkFile(file, options, held, {
      slot,
      progress: (line) => io.err(`  [${path.basename(file)}] ${line.trimStart()}`),
    });
    block.flush((stream, text) => io[stream](text), path.basename(file));
    done++;
    const running = Math.min(jobs, files.length - done);
    io.err(
      `check-layer: ${done} of ${files.length} files done${running ? ` (${running} running, ${files.length - done - running} waiting)` : ''}`,
    );
    return run;
  });
  io.out(processesLine(lanes, started));
  return results;
}

const MB = 1024 * 1024;

/** `Check processes: 2 at a time, peak resident 190 MB, 185 MB; wall time 5.20 s` */
function processesLine(lanes: LaneFigures[], started: number): string {
  const peaks = lanes.map((l) => `${Math.round(l.peakRss / MB)} MB`).join(', ');
  return `Check processes: ${lanes.length} at a time, peak resident ${peaks}; wall time ${((performance.now() - started) / 1000).toFixed(2)} s`;
}

/** One layer file: its header, a line per check as it ends, its summary. */
async function checkFile(
  file: string,
  options: RunOptions,
  io: Out,
  how: { slot?: CheckProcessSlot; progress?: (line: string) => void } = {},
): Promise<RunResult> {
  const style: ConsoleStyle = {
    color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'] && !process.env['CI'],
    verbose: options.verbose,
  };
  let headerShown = false;
  const selected = selectChecks(CATALOG, options);
  const ids = selected.map((c) => c.id);
  const trainingOnly = isTrainingOnly(selected) ? { trainBackend: options.trainBackend } : undefined;
  const run = await runFileIsolated(
    file,
    options,
    ids,
    {
      onLoaded: (layer, environment) => {
        io.out(formatHeader({ layer, environment, seed: options.seed }, trainingOnly));
        headerShown = true;
      },
      onProgress: (_id, line) => (how.progress ?? io.err)(line),
      onOutput: (stream, line) => (stream === 'stdout' ? io.out : io.err)(layerOutputLine(file, line)),
      // Control characters from the layer (an error message's ESC[2J) shown escaped, not obeyed.
      onResult: (r) => io.out(formatCheckLine(escapeControlDeep(r), style)),
    },
    { slot: how.slot },
  );
  if (run.loadError) {
    io.err(`check-layer: ${escapeControl(run.loadError.message)}`);
    return run;
  }
  if (!headerShown) io.out(formatHeader(run, trainingOnly));
  if (!options.suites.includes('training') && !options.checks.length)
    io.out(
      '  (training suite not run: add --suites all, or --suites training; it trains the seed network for minutes)',
    );
  io.out(formatSummary(run));
  return run;
}

async function writeAndSummarize(runs: RunResult[], options: RunOptions, io: Out): Promise<void> {
  const written = await writeReports(runs, options.reportDir, options.formats);
  const shown = written.index ?? written.perRun[0]?.html ?? written.perRun[0]?.json;
  if (shown) {
    const rel = path.relative(process.cwd(), shown);
    io.out(`Report: ${rel && !rel.startsWith('..') ? rel : path.resolve(shown)}`);
  }
  if (runs.length > 1) io.out(allLayersLine(runs));
}

async function mergeCommand(argv: string[], io: Out): Promise<number> {
  const { runMergeFromCli } = await import('./merge-reports.ts');
  return runMergeFromCli(argv, io);
}

async function trainCommand(argv: string[], io: Out): Promise<number> {
  const { runTrainFromCli } = await import('./train-cli.ts');
  return runTrainFromCli(argv, io);
}
