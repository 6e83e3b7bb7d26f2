/**
 * The command line: `check-layer [files..]` runs the checks on each layer file and writes the
 * reports; `check-layer train` trains the seed network. Options are resolved once here; every
 * usage or loading problem is one line on stderr and exit code 2.
 */
import path from 'node:path';
import yargs, { type Options as YargsOption } from 'yargs';
import { formatCheckLine, formatHeader, formatSummary, type ConsoleStyle } from '../reports/console.ts';
import { writeReports } from '../reports/write-reports.ts';
import { UsageError } from '../harness/errors.ts';
import {
  DEFAULT_RUN_OPTIONS,
  DEFAULT_SUITES,
  FORMATS,
  parseNumber,
  resolveRunOptions,
  selectChecks,
  type RunOptions,
} from '../harness/options.ts';
import { summaryLine, SUITES, summarize, type RunResult } from '../harness/result.ts';
import { closeWorker, fetchCatalog, runFileIsolated, setSuiteLookup } from './run-file.ts';
import { TOOL_VERSION } from '../harness/version.ts';
import { escapeControl, escapeControlDeep } from '../harness/control-chars.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

/** The options table, typed against RunOptions so none can be forgotten. */
const OPTION_TABLE: Record<Exclude<keyof RunOptions, 'compareBackends'>, { flag: string; spec: YargsOption }> = {
  suites: {
    flag: 'suites',
    spec: {
      type: 'string',
      describe: `Suites to run, comma-separated: ${SUITES.join(', ')}, or all`,
      defaultDescription: DEFAULT_SUITES.join(','),
    },
  },
  checks: {
    flag: 'checks',
    spec: { type: 'string', describe: 'Only these check ids, comma-separated (see --list-checks)' },
  },
  seed: {
    flag: 'seed',
    spec: {
      type: 'string',
      describe: 'Seed for every random choice; a failure replays with the same seed',
      defaultDescription: String(DEFAULT_RUN_OPTIONS.seed),
    },
  },
  backend: {
    flag: 'backend',
    spec: {
      type: 'string',
      describe: 'Where the checks run: cpu (the reference), wasm, webgpu, or auto (webgpu on a GPU, else wasm)',
      defaultDescription: DEFAULT_RUN_OPTIONS.backend,
    },
  },
  timeoutSeconds: {
    flag: 'timeout',
    spec: {
      type: 'string',
      describe: 'Seconds a check may run without finishing or reporting progress before it is stopped and failed',
      defaultDescription: String(DEFAULT_RUN_OPTIONS.timeoutSeconds),
    },
  },
  reportDir: {
    flag: 'report-dir',
    spec: { type: 'string', describe: 'Folder for the reports', defaultDescription: DEFAULT_RUN_OPTIONS.reportDir },
  },
  formats: {
    flag: 'format',
    spec: {
      type: 'string',
      describe: `Report formats, comma-separated: ${FORMATS.join(', ')}`,
      defaultDescription: DEFAULT_RUN_OPTIONS.formats.join(','),
    },
  },
  inputSize: {
    flag: 'input-size',
    spec: {
      type: 'string',
      describe: "Size of one observation, e.g. 24,24,20 (overrides the file's inputSize export)",
    },
  },
  exportName: {
    flag: 'export',
    spec: { type: 'string', describe: 'Use this named export instead of the default export' },
  },
  verbose: { flag: 'verbose', spec: { type: 'boolean', describe: 'Show stack traces and every detail' } },
  exhaustive: {
    flag: 'exhaustive',
    spec: { type: 'boolean', describe: 'Gradient suite: check every element, not a sample' },
  },
  epochs: {
    flag: 'epochs',
    spec: {
      type: 'string',
      describe: 'Training suite: epochs',
      defaultDescription: String(DEFAULT_RUN_OPTIONS.epochs),
    },
  },
  trainSize: {
    flag: 'train-size',
    spec: {
      type: 'string',
      describe: 'Training suite: training digits',
      defaultDescription: String(DEFAULT_RUN_OPTIONS.trainSize),
    },
  },
  testSize: {
    flag: 'test-size',
    spec: {
      type: 'string',
      describe: 'Training suite: test digits',
      defaultDescription: String(DEFAULT_RUN_OPTIONS.testSize),
    },
  },
  memoryLimitMb: {
    flag: 'memory-limit',
    spec: {
      type: 'string',
      describe:
        "Megabytes the checks may use (resident size, TensorFlow.js's tensors, JavaScript heap); a check that goes past it fails and the run goes on",
      defaultDescription: `${DEFAULT_RUN_OPTIONS.memoryLimitMb}: half of this machine's memory`,
    },
  },
  trainBackend: {
    flag: 'train-backend',
    spec: {
      type: 'string',
      describe: 'Training suite: where to train (auto: webgpu on a GPU, else wasm)',
      defaultDescription: DEFAULT_RUN_OPTIONS.trainBackend,
    },
  },
  trainWorkers: {
    flag: 'workers',
    spec: {
      type: 'string',
      describe:
        'Training suite: worker threads training on the CPU (data-parallel; shared by the layer and reference networks)',
      defaultDescription: 'the cores, at most 8',
    },
  },
};

export async function main(
  argv: string[],
  io: Out = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) },
): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    if (argv[0] === 'train') return await trainCommand(argv.slice(1), io);
    return await checkCommand(argv, io);
  } catch (e) {
    closeWorker();
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
  let y = yargs(argv)
    .scriptName('check-layer')
    .usage('Usage: check-layer <layer files..> [options]\n       check-layer train [--layer FILE] [options]')
    .wrap(Math.min(120, process.stdout.columns || 120))
    .version(TOOL_VERSION)
    .help('help')
    .alias('help', 'h')
    .command('$0 [files..]', false, (c) =>
      c.positional('files', { type: 'string', array: true, describe: 'Layer files (.ts, .mts, .js, .mjs)' }),
    )
    .option('list-checks', { type: 'boolean', describe: 'List every check id by suite, then exit' })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(`${(msg ?? err?.message ?? 'bad arguments').split('\n')[0]}; see check-layer --help`);
    })
    .example(
      'check-layer ./myLayer.ts',
      'shape, gradient, stability and backend suites; reports in ./check-layer-report',
    )
    .example(
      'check-layer ./myLayer.ts --input-size 24,24,20 --suites shape,gradient',
      'only two suites, with the observation size given',
    )
    .example(
      'check-layer ./myLayer.ts --suites all --epochs 5 --train-size 2000',
      'also train the seed network on digits, shortened',
    )
    .example('check-layer a.ts b.ts --format html,json,junit', 'several layers, an index page, JUnit XML for CI')
    .example(
      'check-layer ./myLayer.ts --checks gradientsAreNumericallyCorrect --seed 7',
      'replay one check with a seed',
    )
    .example('check-layer train --epochs 30', 'the walkthrough: train the seed network with the reference ELU')
    .epilogue(
      'Checks a TensorFlow.js custom layer: contract and shapes, gradients (float32-correct finite\ndifferences), stability at extreme inputs, training on real digits, agreement across backends.\n\nExit codes: 0 nothing failed, 1 a check failed or was incomplete, 2 the run could not start (usage, loading).',
    );
  for (const { flag, spec } of Object.values(OPTION_TABLE)) y = y.option(flag, spec);
  return y;
}

function looseOptions(args: Record<string, unknown>): Partial<Record<keyof RunOptions, unknown>> {
  const loose: Partial<Record<keyof RunOptions, unknown>> = {};
  for (const [key, { flag }] of Object.entries(OPTION_TABLE)) loose[key as keyof RunOptions] = args[flag];
  return loose;
}

async function checkCommand(argv: string[], io: Out): Promise<number> {
  let helpText = '';
  const y = parser(argv);
  const args = (await y.parseAsync(argv, {}, (_err, _argv, output) => {
    helpText = output;
  })) as Record<string, unknown>;
  if (helpText) {
    io.out(helpText);
    return 0;
  }
  const files = ((args['files'] as unknown[] | undefined) ?? []).map(String);
  if (files.length === 0 && !args['list-checks'])
    throw new UsageError('no layer file given; usage: check-layer ./myLayer.ts (see check-layer --help)');
  // The memory limit is given to the check process as it starts, before the catalog comes from it.
  const memoryLimitMb =
    args['memory-limit'] === undefined
      ? DEFAULT_RUN_OPTIONS.memoryLimitMb
      : parseNumber(args['memory-limit'], '--memory-limit', { min: 256, integer: true });
  const catalog = await fetchCatalog(memoryLimitMb);
  if (args['list-checks']) {
    for (const suite of SUITES) {
      io.out(`${suite}:`);
      for (const c of catalog.filter((x) => x.suite === suite)) io.out(`  ${c.id.padEnd(38)} ${c.title}`);
    }
    closeWorker();
    return 0;
  }
  const options = resolveRunOptions(looseOptions(args), catalog);
  const checks = selectChecks(catalog, options);
  setSuiteLookup((id) => catalog.find((c) => c.id === id)?.suite ?? 'shape');
  const style: ConsoleStyle = {
    color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'] && !process.env['CI'],
  };
  const runs: RunResult[] = [];
  for (const file of files) {
    const replayPrefix = `npx check-layer ${shellQuote(file)}`;
    let headerShown = false;
    const run = await runFileIsolated(
      file,
      options,
      checks.map((c) => c.id),
      replayPrefix,
      {
        onLoaded: (layer, environment) => {
          io.out(formatHeader({ layer, environment, seed: options.seed }));
          headerShown = true;
        },
        onProgress: (_id, line) => io.err(line),
        onOutput: (stream, line) => (stream === 'stdout' ? io.out : io.err)(layerOutputLine(file, line)),
        // Control characters from the layer (an error message's ESC[2J) shown escaped, not obeyed.
        onResult: (r) => io.out(formatCheckLine(escapeControlDeep(r), style)),
      },
    );
    if (run.loadError) io.err(`check-layer: ${escapeControl(run.loadError.message)}`);
    else if (!headerShown) io.out(formatHeader(run));
    if (!run.loadError) {
      const notRun = SUITES.filter((s) => !options.suites.includes(s));
      if (notRun.includes('training') && !options.checks.length)
        io.out(
          '  (training suite not run: add --suites all, or --suites training; it trains the seed network for minutes)',
        );
      io.out(formatSummary(run));
    }
    runs.push(run);
  }
  closeWorker();
  const written = writeReports(runs, options.reportDir, options.formats);
  const shown = written.index ?? written.perRun[0]?.html ?? written.perRun[0]?.json;
  if (shown) {
    const rel = path.relative(process.cwd(), shown);
    io.out(`Report: ${rel && !rel.startsWith('..') ? rel : path.resolve(shown)}`);
  }
  if (runs.length > 1) {
    const total = summarize(
      runs.flatMap((r) => r.checks),
      runs.reduce((a, r) => a + r.summary.durationMs, 0),
    );
    io.out(`All ${runs.length} layers: ${summaryLine(total)}`);
  }
  return Math.max(...runs.map((r) => r.exitCode));
}

async function trainCommand(argv: string[], io: Out): Promise<number> {
  const { runTrainFromCli } = await import('./train-cli.ts');
  return runTrainFromCli(argv, io);
}

/** A line the layer printed, shown with its file so it is not taken for check-layer's own output. */
function layerOutputLine(file: string, line: string): string {
  return `  [${path.basename(file)}] ${escapeControl(line)}`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
