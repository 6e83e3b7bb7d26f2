/**
 * Many layer files through the real CLI: `--jobs`, `--shard i/n` and `merge-reports`. Four
 * fixture files, the shape suite only (fast): two that pass, one that fails a check (with two
 * incomplete checks after it), one that cannot load. Two shards cover every file exactly once;
 * merging their reports gives the verdicts, counts and exit code of one run over all four; `--jobs
 * 2` gives the verdicts of `--jobs 1` and prints each file's block whole.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/result.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'check-layer.mjs');

/** In sorted order: shard 1/2 takes the 1st and 3rd, shard 2/2 the 2nd and 4th. */
const FILES = [
  'fixtures/loading/plain-relu.mjs',
  'fixtures/loading/syntax-error.ts',
  'fixtures/shape/predict-is-deterministic.ts',
  'reference-layers/elu-layer.ts',
];
const FAST = ['--suites', 'shape', '--input-size', '4,4,3', '--format', 'html,json,junit'];

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): CliRun {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const newDir = (name: string) => mkdtempSync(path.join(tmpdir(), `check-layer-${name}-`));

function reportsIn(dir: string): RunResult[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as RunResult);
}

/** Per layer file: the exit code and every check's status, by id. */
function verdicts(runs: RunResult[]): Record<string, { exitCode: number; checks: Record<string, string> }> {
  return Object.fromEntries(
    runs.map((r) => [
      r.layer.file,
      { exitCode: r.exitCode, checks: Object.fromEntries(r.checks.map((c) => [c.id, c.status])) },
    ]),
  );
}

/** `All 4 layers: 39 Passed, 1 Failed, 2 Incomplete, 0 Skipped.` without the time. */
const totalLine = (stdout: string) => /All \d+ layers: [^.]*\./.exec(stdout)?.[0];

const junitTotals = (xml: string) =>
  /<testsuites [^>]*?tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(xml)?.slice(1);

const NO_STACK = /^\s+at .*\(.*:\d+:\d+\)$/m;

describe('many layer files: --jobs, --shard, merge-reports', () => {
  it('two shards cover every file once, and their merged reports match one run over all files', () => {
    const whole = newDir('whole');
    const one = cli([...FILES, ...FAST, '--jobs', '1', '--report-dir', whole]);
    expect(one.code, one.stdout + one.stderr).toBe(2);
    const all = reportsIn(whole);
    expect(all.map((r) => r.layer.file).sort()).toEqual(FILES);
    expect(verdicts(all)['fixtures/shape/predict-is-deterministic.ts']?.exitCode).toBe(1);

    const shards = [1, 2].map((i) => {
      const dir = newDir(`shard-${i}`);
      // Files given in another order: the shares do not depend on it.
      const run = cli([...[...FILES].reverse(), ...FAST, '--shard', `${i}/2`, '--report-dir', dir]);
      expect(run.stderr).toContain(`shard ${i}/2: 2 of 4 layer files`);
      return { dir, run, files: reportsIn(dir).map((r) => r.layer.file) };
    });
    expect(shards[0]!.files.sort()).toEqual([FILES[0], FILES[2]]);
    expect(shards[1]!.files.sort()).toEqual([FILES[1], FILES[3]]);
    expect(shards[0]!.run.code).toBe(1);
    expect(shards[1]!.run.code).toBe(2);

    const merged = newDir('merged');
    const merge = cli(['merge-reports', shards[0]!.dir, shards[1]!.dir, '--report-dir', merged]);
    expect(merge.stderr).not.toMatch(NO_STACK);
    expect(merge.code, merge.stdout + merge.stderr).toBe(one.code);
    expect(totalLine(merge.stdout)).toBe(totalLine(one.stdout));
    expect(totalLine(merge.stdout)).toMatch(/^All 4 layers: \d+ Passed, 1 Failed, 2 Incomplete, 0 Skipped\.$/);
    expect(verdicts(reportsIn(merged))).toEqual(verdicts(all));
    expect(merge.stdout).toMatch(/^FAILED +fixtures\/shape\/predict-is-deterministic\.ts: /m);
    expect(merge.stdout).toMatch(/^ +FAIL +shape\/predictIsDeterministic /m);
    expect(merge.stdout).toMatch(/^COULD NOT RUN +fixtures\/loading\/syntax-error\.ts: /m);

    // One index page linking each layer's report, written beside it; one JUnit file with every check.
    const index = readFileSync(path.join(merged, 'index.html'), 'utf8');
    for (const stem of ['plain-relu', 'syntax-error', 'predict-is-deterministic', 'elu-layer']) {
      expect(index).toContain(`href="${stem}.html"`);
      expect(readdirSync(merged)).toContain(`${stem}.html`);
    }
    const junit = readFileSync(path.join(merged, 'junit.xml'), 'utf8');
    const perFile = readdirSync(whole)
      .filter((f) => f.endsWith('.junit.xml'))
      .map((f) => junitTotals(readFileSync(path.join(whole, f), 'utf8'))!.map(Number));
    const summed = perFile.reduce((a, t) => a.map((x, i) => x + t[i]!), [0, 0, 0, 0]);
    expect(junitTotals(junit)!.map(Number)).toEqual(summed);
    // Every check of every file is one testcase, and the markup is escaped (every & starts a reference).
    expect(junit.match(/<testcase /g)).toHaveLength(summed[0]!);
    expect(junit.match(/&(?!(amp|lt|gt|quot|#39|#10|#13|#9);)/g)).toBeNull();
    expect(junit.trimEnd().endsWith('</testsuites>')).toBe(true);
    expect(junit).toContain('<testsuite name="check-layer.shape (fixtures/shape/predict-is-deterministic.ts)"');
    expect(junit).toContain('<testsuite name="check-layer.load (fixtures/loading/syntax-error.ts)"');

    // One shard alone: its reports are merged, and the merge says the other shard's two are missing (exit 2).
    const alone = cli(['merge-reports', shards[0]!.dir, '--report-dir', newDir('alone')]);
    expect(alone.code, alone.stdout + alone.stderr).toBe(2);
    expect(alone.stderr).toContain(
      'shard 2/2 should have 2 reports (4 layer files over 2 shards), found 0: give its folder too, or rerun it',
    );
    expect(totalLine(alone.stdout)).toMatch(/^All 2 layers: \d+ Passed, 1 Failed, 2 Incomplete, 0 Skipped\.$/);
  });

  it('--jobs 2 gives the verdicts of --jobs 1, each file printed as one block', () => {
    const passing = [FILES[0]!, FILES[2]!, FILES[3]!];
    const dirs = [newDir('jobs-1'), newDir('jobs-2')];
    const runs = [1, 2].map((jobs, i) => cli([...passing, ...FAST, '--jobs', String(jobs), '--report-dir', dirs[i]!]));
    expect(runs[0]!.code, runs[0]!.stdout + runs[0]!.stderr).toBe(1);
    expect(runs[1]!.code, runs[1]!.stdout + runs[1]!.stderr).toBe(1);
    expect(verdicts(reportsIn(dirs[1]!))).toEqual(verdicts(reportsIn(dirs[0]!)));
    // Each of the two check processes gets half the default training workers (the cores, at most 8).
    const workers = Math.min(8, availableParallelism());
    expect(reportsIn(dirs[0]!).map((r) => r.options['trainWorkers'])).toEqual([workers, workers, workers]);
    const half = Math.max(1, Math.floor(workers / 2));
    expect(reportsIn(dirs[1]!).map((r) => r.options['trainWorkers'])).toEqual([half, half, half]);
    expect(totalLine(runs[1]!.stdout)).toBe(totalLine(runs[0]!.stdout));
    expect(runs[1]!.stderr).toContain('3 layer files, 2 at a time (--jobs 2)');
    expect(runs[1]!.stderr).toContain('3 of 3 files done');
    // Each check process's peak resident memory, measured from outside (/proc), one per lane.
    expect(runs[0]!.stdout).toMatch(/^Check processes: 1 at a time, peak resident [1-9]\d+ MB; wall time [\d.]+ s$/m);
    expect(runs[1]!.stdout).toMatch(
      /^Check processes: 2 at a time, peak resident [1-9]\d+ MB, [1-9]\d+ MB; wall time [\d.]+ s$/m,
    );
    // A file's block, header to summary line, holds no line of another file.
    const lines = runs[1]!.stdout.split('\n');
    for (const file of passing) {
      const start = lines.findIndex((l) => l.startsWith(`check-layer ${file}`));
      const end = lines.findIndex((l, i) => i > start && / Passed, \d+ Failed, /.test(l));
      expect(start, runs[1]!.stdout).toBeGreaterThanOrEqual(0);
      expect(lines.slice(start + 1, end).some((l) => l.startsWith('check-layer '))).toBe(false);
    }
  });

  it('--jobs with --workers given: warns when the training threads outnumber the cores, and not without training', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'jobs-workers-'));
    const workers = availableParallelism();
    const tiny = ['--epochs', '1', '--train-size', '256', '--test-size', '128', '--report-dir', out];
    const both = ['reference-layers/elu-layer.ts', 'fixtures/gradient/correct/hard-swish-layer.ts'];
    const training = cli([...both, '--jobs', '2', '--workers', String(workers), '--suites', 'training', ...tiny]);
    expect(training.code, training.stderr).toBe(0);
    expect(training.stderr).toContain(
      `check-layer: --jobs 2 x --workers ${workers} = ${2 * workers} training threads on ${workers} cores`,
    );
    const shape = cli([...both, '--jobs', '2', '--workers', String(workers), '--suites', 'shape', ...tiny]);
    expect(shape.stderr).not.toContain('training threads');
  }, 240_000);

  it('an empty shard says so and exits 0', () => {
    const run = cli([FILES[0]!, FILES[1]!, '--shard', '3/3', '--report-dir', newDir('empty')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Shard 3/3: no layer file falls in it (2 files over 3 shards); nothing to check.');
  });

  it.each([
    ['--shard', '0/2', /^check-layer: --shard: "0\/2" is not a shard; give i\/n with 1 <= i <= n/],
    ['--shard', '3/2', /^check-layer: --shard: "3\/2" is not a shard/],
    ['--shard', 'half', /^check-layer: --shard: "half" is not a shard/],
    ['--jobs', '0', /^check-layer: --jobs: "0" is not valid; give a whole number from 1 to 32/],
  ])('rejects %s %s with one line, exit 2', (flag, value, message) => {
    const run = cli([FILES[0]!, flag, value, '--report-dir', newDir('bad')]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('merge-reports: a missing folder, a folder without reports, a malformed or foreign file, exit 2', () => {
    const empty = newDir('no-reports');
    const bad = newDir('bad-json');
    writeFileSync(path.join(bad, 'broken.json'), '{"schemaVersion": 2, ');
    const old = newDir('old-schema');
    writeFileSync(
      path.join(old, 'elu-layer.json'),
      JSON.stringify({ schemaVersion: 1, tool: { name: 'check-layer', version: '0.0.1' } }),
    );
    const foreign = newDir('foreign');
    writeFileSync(path.join(foreign, 'package.json'), JSON.stringify({ name: 'x' }));
    const out = newDir('merge-out');
    mkdirSync(path.join(out, 'x'), { recursive: true });
    const cases: [string[], RegExp][] = [
      [
        ['/nonexistent/shard-1'],
        /^check-layer: merge-reports: \/nonexistent\/shard-1: no such folder; give the folders/,
      ],
      [[empty], /^check-layer: merge-reports: no JSON report in .*; run each shard with the json format/],
      [[bad], /^check-layer: merge-reports: .*broken\.json: not valid JSON \(.*\); remove it or rerun the shard/],
      [
        [old],
        /^check-layer: merge-reports: .*elu-layer\.json: schemaVersion 1, written by check-layer 0\.0\.1; this check-layer .* merges schemaVersion 2/,
      ],
      [[foreign], /^check-layer: merge-reports: .*package\.json: not a check-layer report/],
      [[], /^check-layer: merge-reports: no report folder given; usage: /],
      [[out], /^check-layer: merge-reports: --report-dir .* is one of the folders being merged/],
    ];
    for (const [dirs, message] of cases) {
      const run = cli(['merge-reports', ...dirs, '--report-dir', dirs[0] === out ? out : path.join(out, 'x')]);
      expect(run.code, run.stdout + run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });
});
