/**
 * The real CLI in a child process, as a user runs it: exit codes, one-line errors without stack
 * traces, reports written (also when loading fails) and valid against the published schema.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../harness/catalog.ts';
import { SUITES, type RunResult } from '../harness/result.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'check-layer.mjs');
const schema = JSON.parse(readFileSync(path.join(root, 'reports', 'report.schema.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true });
// ajv-formats is CommonJS: its function is the module's default property.
const addFormats = ((formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ??
  formatsPlugin) as unknown as (a: Ajv) => void;
addFormats(ajv);
const validate = ajv.compile(schema);

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  reportDir: string;
}

function cli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): CliRun {
  const reportDir = mkdtempSync(path.join(tmpdir(), 'check-layer-report-'));
  const r = spawnSync(
    process.execPath,
    [bin, ...args, ...(args.includes('--report-dir') || args[0] === 'train' ? [] : ['--report-dir', reportDir])],
    {
      cwd: opts.cwd ?? root,
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 90_000,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, reportDir };
}

function reportOf(run: CliRun, stem: string): RunResult {
  const report = JSON.parse(readFileSync(path.join(run.reportDir, `${stem}.json`), 'utf8')) as RunResult;
  const ok = validate(report);
  if (!ok) throw new Error(`report ${stem}.json does not match the schema: ${ajv.errorsText(validate.errors)}`);
  return report;
}

const loading = (f: string) => path.join('fixtures', 'loading', f);
const NO_STACK = /^\s+at .*\(.*:\d+:\d+\)$/m;

describe('check-layer CLI', () => {
  it('passes the reference ELU on the shape suite and writes a schema-valid JSON report', () => {
    const run = cli(['reference-layers/elu-layer.ts', '--suites', 'shape']);
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\d+ Passed, 0 Failed, 0 Incomplete, \d+ Skipped\. Time elapsed: [\d.]+ s/);
    const report = reportOf(run, 'elu-layer');
    expect(report.layer.form).toBe('B');
    expect(report.layer.type).toBe('Exponential Linear Unit');
    expect(report.layer.learnables).toEqual([{ name: 'alpha', shape: [20] }]);
    expect(report.checks.length).toBeGreaterThan(0);
    expect(report.checks.every((c: { suite: string }) => c.suite === 'shape')).toBe(true);
    expect(existsSync(path.join(run.reportDir, 'elu-layer.html'))).toBe(true);
  });

  it('loads a file from a folder with no node_modules, importing @tensorflow/tfjs and check-layer', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'user project '));
    const file = path.join(dir, 'my softsign.ts');
    copyFileSync(path.join(root, loading('folder with spaces/named-export elu.ts')), file);
    const run = cli([file, '--export', 'softsign', '--suites', 'shape'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = reportOf(run, 'my-softsign');
    expect(report.layer.className).toBe('SoftsignLayer');
    // Its `check-layer` import reaches a second (CommonJS) copy of CustomLayer: still Form B.
    expect(report.layer.form).toBe('B');
  });

  it("passes the README's layer examples, each in its form: one input in each, then two inputs in each", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((b) => b.includes('export default'));
    expect(examples.length).toBe(4);
    const dir = mkdtempSync(path.join(tmpdir(), 'readme-examples-'));
    const files = examples.map((code, i) => {
      const file = path.join(dir, `example-${i + 1}.ts`);
      writeFileSync(file, code);
      return file;
    });
    const run = cli([...files, '--suites', 'shape,gradient,stability'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(examples.map((_, i) => reportOf(run, `example-${i + 1}`).layer.form)).toEqual(['A', 'B', 'A', 'B']);
    expect(reportOf(run, 'example-3').layer.inputSizes).toEqual([
      [8, 8, 16],
      [8, 8, 8],
    ]);
    expect(reportOf(run, 'example-4').layer.inputSizes).toHaveLength(2);
  });

  it('takes a plain JavaScript Form A layer', () => {
    const run = cli([loading('plain-relu.mjs'), '--suites', 'shape']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(reportOf(run, 'plain-relu').layer.form).toBe('A');
  });

  // Layer files that cannot be loaded, all in one run (each gets its own line and report).
  const unloadable: { name: string; file: string; message: RegExp; stem: string }[] = [
    { name: 'no such file', file: 'fixtures/loading/nope.ts', message: /nope\.ts: no such file/, stem: 'nope' },
    {
      name: 'a syntax error (gives file:line)',
      file: loading('syntax-error.ts'),
      message: /syntax-error\.ts:6:\d+: syntax error/,
      stem: 'syntax-error',
    },
    {
      name: 'no default export (suggests --export)',
      file: loading('no-layer-export.ts'),
      message: /no default export.*--export myRelu/,
      stem: 'no-layer-export',
    },
    {
      name: 'a default export that is not a layer',
      file: loading('default-not-a-layer.ts'),
      message: /default export is a number \(42\), not a layer/,
      stem: 'default-not-a-layer',
    },
    {
      name: 'a factory that returns no layer',
      file: loading('factory-returns-not-a-layer.ts'),
      message: /not a tf\.layers\.Layer or CustomLayer/,
      stem: 'factory-returns-not-a-layer',
    },
    {
      name: 'no input size',
      file: loading('no-input-size.ts'),
      message: /no input size.*--input-size/,
      stem: 'no-input-size',
    },
    {
      name: 'a constructor that throws',
      file: loading('constructor-throws.ts'),
      message: /constructing or building the layer .* threw: numChannels is required/,
      stem: 'constructor-throws',
    },
    {
      name: 'a module that throws on import',
      file: loading('import-throws.ts'),
      message: /import-throws\.ts:\d+:\d+: loading the file threw: cannot initialise this module/,
      stem: 'import-throws',
    },
  ];
  it('exits 2 with one clear line per file that cannot be loaded, and still writes each report', () => {
    const run = cli([...unloadable.map((u) => u.file), '--suites', 'shape']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).not.toMatch(NO_STACK);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('check-layer:'));
    expect(lines.length).toBe(unloadable.length);
    unloadable.forEach((u, i) => {
      expect(lines[i], u.name).toMatch(u.message);
      const report = reportOf(run, u.stem);
      expect(report.exitCode).toBe(2);
      expect(report.loadError?.message, u.name).toMatch(u.message);
    });
  });

  const badOptions: { name: string; args: string[]; message: RegExp }[] = [
    {
      name: '--input-size 0,0,0',
      args: [loading('no-input-size.ts'), '--input-size', '0,0,0'],
      message: /--input-size: "0,0,0" is not a size/,
    },
    {
      name: '--input-size abc',
      args: [loading('no-input-size.ts'), '--input-size', 'abc'],
      message: /--input-size: "abc" is not a size/,
    },
    {
      name: 'an unknown --suites name',
      args: ['reference-layers/elu-layer.ts', '--suites', 'shapes'],
      message: /--suites: unknown suite "shapes"/,
    },
    {
      name: 'an unknown option',
      args: ['reference-layers/elu-layer.ts', '--sead', '3'],
      message: /Unknown argument: sead/,
    },
    { name: 'no file at all', args: [], message: /no layer file given/ },
    // Checked before anything runs, naming the option and the allowed range.
    {
      name: '--seed 2^32 + 5 (would alias seed 5)',
      args: ['reference-layers/elu-layer.ts', '--seed', '4294967301'],
      message: /--seed: "4294967301" is not valid; give a whole number from 0 to 4294967295/,
    },
    {
      name: '--seed ""',
      args: ['reference-layers/elu-layer.ts', '--seed', ''],
      message: /--seed: empty value; give a whole number from 0 to 4294967295/,
    },
    {
      name: '--timeout past a day (Node timer overflow)',
      args: ['reference-layers/elu-layer.ts', '--timeout', '2147484'],
      message: /--timeout: "2147484" is not valid; give a whole number from 1 to 86400/,
    },
    {
      name: '--timeout 0.5',
      args: ['reference-layers/elu-layer.ts', '--timeout', '0.5'],
      message: /--timeout: "0.5" is not valid; give a whole number from 1 to 86400/,
    },
    {
      name: '--input-size ""',
      args: ['reference-layers/elu-layer.ts', '--input-size', ''],
      message: /--input-size: empty value; give positive whole numbers/,
    },
    {
      name: '--input-size 4,,4',
      args: ['reference-layers/elu-layer.ts', '--input-size', '4,,4'],
      message: /--input-size: "4,,4" is not a size/,
    },
    {
      name: '--input-size -4,4,3',
      args: ['reference-layers/elu-layer.ts', '--input-size', '-4,4,3'],
      message: /--input-size: "-4,4,3" is not a size/,
    },
    {
      name: '--suites ""',
      args: ['reference-layers/elu-layer.ts', '--suites', ''],
      message: /--suites: empty value/,
    },
    {
      name: 'train --epochs 0',
      args: ['train', '--epochs', '0'],
      message: /--epochs: "0" is not valid; give a whole number >= 1/,
    },
    {
      name: 'train --backend gpu (the train command names its own flag)',
      args: ['train', '--backend', 'gpu'],
      message: /--backend: unknown backend "gpu"/,
    },
  ];
  for (const c of badOptions) {
    it(`exits 2 with one clear line for ${c.name}`, () => {
      const run = cli(c.args);
      expect(run.code, run.stdout + run.stderr).toBe(2);
      const lines = run.stderr.split('\n').filter((l) => l.startsWith('check-layer:'));
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(c.message);
      expect(run.stderr).not.toMatch(NO_STACK);
    });
  }

  it('fails each shape fixture on its own check only (exit 1), all in one run', () => {
    const dir = path.join(root, 'fixtures', 'shape');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .sort();
    expect(files.length).toBe(CATALOG.filter((c) => c.suite === 'shape').length);
    const run = cli([...files.map((f) => path.join('fixtures', 'shape', f)), '--suites', 'shape'], {
      timeoutMs: 240_000,
    });
    expect(run.code, run.stderr).toBe(1);
    for (const f of files) {
      const stem = f.replace(/\.ts$/, '');
      const expectedId = stem.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      const report = reportOf(run, stem);
      const failed = report.checks
        .filter((c: { status: string }) => c.status === 'failed')
        .map((c: { id: string }) => c.id);
      expect(failed, f).toEqual([expectedId]);
      expect(report.exitCode).toBe(1);
    }
  }, 300_000);

  it('exits 2 naming --report-dir when it cannot be written', () => {
    const blocker = path.join(mkdtempSync(path.join(tmpdir(), 'blocker-')), 'a-file');
    writeFileSync(blocker, 'not a folder');
    const run = cli([
      'reference-layers/elu-layer.ts',
      '--suites',
      'shape',
      '--report-dir',
      path.join(blocker, 'reports'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /check-layer: --report-dir .*: cannot create it, a file stands where a folder on its path should be \(ENOTDIR\); choose a writable folder/,
    );
  });

  it('finds --report-dir unusable before the first check (an existing file)', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'report-file-')), 'a-file');
    writeFileSync(file, 'not a folder');
    const run = cli(['reference-layers/elu-layer.ts', '--suites', 'shape', '--report-dir', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /check-layer: --report-dir .*: cannot create it, a file of that name is there \(EEXIST\); choose a writable folder/,
    );
    expect(run.stdout).not.toMatch(/PASS|FAIL/);
  });

  it('stops a predict that never returns after --timeout, fails that check and goes on', () => {
    // Each stopped check costs a fresh check process (seconds on a loaded machine).
    const run = cli(
      [loading('endless-predict.ts'), '--suites', 'shape', '--timeout', '3', '--seed', '7', '--input-size', '5,5,2'],
      { timeoutMs: 170_000 },
    );
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const report = reportOf(run, 'endless-predict');
    const timedOut = report.checks.filter((c: { message: string }) => /did not finish within 3 s/.test(c.message));
    expect(timedOut.length).toBeGreaterThan(0);
    // Its replay carries the run's seed, backend and input size, and a raised timeout.
    const stopped = report.checks.filter((c) => c.message.startsWith(`${c.id}: did not finish within 3 s`));
    expect(stopped.length).toBeGreaterThan(0);
    for (const c of stopped)
      expect(c.replay).toBe(
        `npx check-layer fixtures/loading/endless-predict.ts --checks ${c.id} --seed 7 --backend cpu --timeout 12 --input-size 5,5,2`,
      );
    // The run went on after the first stopped check.
    const first = report.checks.findIndex((c: { message: string }) => /did not finish/.test(c.message));
    expect(report.checks.length).toBeGreaterThan(first + 1);
  }, 180_000);

  it('runs several files in one call, writes an index page, and exits with the worst code', () => {
    const run = cli([
      'reference-layers/elu-layer.ts',
      loading('default-not-a-layer.ts'),
      '--suites',
      'shape',
      '--format',
      'html,json,junit',
    ]);
    expect(run.code).toBe(2);
    expect(existsSync(path.join(run.reportDir, 'index.html'))).toBe(true);
    expect(readdirSync(run.reportDir)).toEqual(
      expect.arrayContaining(['elu-layer.json', 'elu-layer.junit.xml', 'default-not-a-layer.json']),
    );
    expect(run.stdout).toMatch(/All 2 layers: /);
  });

  it('lists the checks and shows help with examples', () => {
    const list = cli(['--list-checks']);
    expect(list.code).toBe(0);
    // Every check of the catalog, under its suite, in catalog order, with its title.
    const listed = list.stdout.split('\n').filter((l) => l.trim());
    const expected = SUITES.flatMap((s) => [
      `${s}:`,
      ...CATALOG.filter((c) => c.suite === s).map((c) => `  ${c.id.padEnd(38)} ${c.title}`),
    ]);
    expect(listed).toEqual(expected);
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/--input-size/);
  });

  it('wraps --help to the width at word boundaries, with numbers typed as numbers and plain defaults', () => {
    for (const args of [['--help'], ['train', '--help']]) {
      const r = spawnSync(process.execPath, [bin, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, COLUMNS: '80' },
      });
      expect(r.status).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
      expect(r.stdout).toMatch(/--seed +Seed[^[]*\[number\] \[default: 1\]/);
      expect(r.stdout).toMatch(/--epochs .*\[number\] \[default: 30\]/);
      expect(r.stdout).not.toMatch(/"30"|\[string\] \[default: 30\]/);
    }
    const help = spawnSync(process.execPath, [bin, '--help'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, COLUMNS: '80' },
    });
    expect(help.stdout).toContain('check-layer ./myLayer.ts --input-size 24,24,20 --suites shape,gradient\n');
    expect(help.stdout).toMatch(/shape, gradient, stability,\n\s+training, backend, or all/);
  });

  it('keeps going when its output is piped into a reader that stops early (| head): no EPIPE crash, report written', () => {
    const reportDir = mkdtempSync(path.join(tmpdir(), 'check-layer-report-'));
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${bin}" reference-layers/elu-layer.ts --suites shape --report-dir "${reportDir}" | head -1; echo "exit $\{PIPESTATUS[0]}"`,
      ],
      { cwd: root, encoding: 'utf8', timeout: 90_000, env: { ...process.env, CI: 'true', NO_COLOR: '1' } },
    );
    expect(r.stdout).toMatch(/^check-layer .*elu-layer\.ts/);
    expect(r.stdout).toMatch(/exit 0\n$/);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(existsSync(path.join(reportDir, 'elu-layer.json'))).toBe(true);
  });
});
