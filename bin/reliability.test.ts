/**
 * Hostile and careless layer files through the real CLI, in one run (one check process, replaced
 * each time a layer ends or outgrows it): every file gets its verdict, naming what the layer did
 * and when; the layer's console output arrives, marked with its file; the run goes on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, RunResult } from '../harness/result.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'check-layer.mjs');
const fixture = (f: string) => path.join('fixtures', 'reliability', f);

const FILES = [
  'exit-on-load.ts',
  'exit-in-backward.ts',
  'signal-in-backward.ts',
  'endless-import.ts',
  'chatty.ts',
  // Run on its own, on wasm, so that its switch to cpu is a change.
  'switches-backend.ts',
  'keeps-tensors.ts',
];

describe('check-layer with layers that end, hang, print, switch backends and hoard memory', () => {
  let stdout = '';
  let stderr = '';
  let code: number | null = null;
  let reportDir = '';
  const report = (stem: string) => JSON.parse(readFileSync(path.join(reportDir, `${stem}.json`), 'utf8')) as RunResult;
  const check = (stem: string, id: string): CheckResult => {
    const r = report(stem).checks.find((c) => c.id === id);
    if (!r) throw new Error(`${stem}: no result for ${id}`);
    return r;
  };

  beforeAll(() => {
    reportDir = mkdtempSync(path.join(tmpdir(), 'check-layer-reliability-'));
    const cli = (files: string[], backend: string) =>
      spawnSync(
        process.execPath,
        [
          bin,
          ...files.map(fixture),
          '--checks',
          'functionSyntaxesAreCorrect,predictDoesNotError',
          '--backend',
          backend,
          '--timeout',
          '5',
          '--memory-limit',
          '1024',
          '--report-dir',
          reportDir,
        ],
        { cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, CI: 'true', NO_COLOR: '1' } },
      );
    const main = cli([...FILES.slice(0, -2), ...FILES.slice(-1)], 'cpu');
    const wasm = cli(FILES.slice(-2, -1), 'wasm');
    stdout = main.stdout + wasm.stdout;
    stderr = main.stderr + wasm.stderr;
    code = main.status;
  }, 600_000);

  it('gives every file its verdict and exits with the worst code', () => {
    expect(code, stdout + stderr).toBe(2);
    for (const f of FILES) expect(report(f.replace(/\.ts$/, '')).layer.file).toBe(fixture(f));
  });

  it('names process.exit and the phase: loading, or the check', () => {
    expect(report('exit-on-load').loadError?.message).toMatch(
      /exit-on-load\.ts: the layer called process\.exit\(0\) while the file was loading/,
    );
    expect(check('exit-in-backward', 'functionSyntaxesAreCorrect').message).toMatch(
      /the layer called process\.exit\(3\) during this check/,
    );
    // The run went on in a fresh process.
    expect(check('exit-in-backward', 'predictDoesNotError').status).toBe('passed');
  });

  it('names a signal the layer sent itself', () => {
    const r = check('signal-in-backward', 'functionSyntaxesAreCorrect');
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/ended by signal SIGTERM .* during this check/);
  });

  it('stops an endless loop at import after --timeout', () => {
    expect(report('endless-import').loadError?.message).toMatch(/loading the layer did not finish within 5 s/);
  });

  it("passes the layer's console output on, every line, marked with its file", () => {
    const out = stdout.split('\n').filter((l) => /^ {2}\[chatty\.ts\] chatty stdout \d+$/.test(l));
    const err = stderr.split('\n').filter((l) => /^ {2}\[chatty\.ts\] chatty stderr \d+$/.test(l));
    expect(out.length).toBeGreaterThan(0);
    expect(err.length).toBe(out.length);
    // Every call's line, none lost: 1..N.
    expect(out.map((l) => Number(/(\d+)$/.exec(l)?.[1]))).toEqual(out.map((_, i) => i + 1));
    // None of them arrives late, under the next file's name.
    expect(stdout + stderr).not.toMatch(/\[(?!chatty\.ts\])[^\]\n]*\] chatty/);
  });

  it('fails a check during which the layer changed the backend, and sets it back', () => {
    const r = check('switches-backend', 'functionSyntaxesAreCorrect');
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/the backend changed from wasm to cpu during this check/);
    expect(report('switches-backend').environment?.backend).toBe('wasm');
  });

  it('fails a check that goes past --memory-limit, and goes on', () => {
    for (const id of ['functionSyntaxesAreCorrect', 'predictDoesNotError']) {
      const r = check('keeps-tensors', id);
      expect(r.status).toBe('failed');
      expect(r.message).toMatch(/used more than 1024 MB \(resident \d+ MB, TensorFlow\.js tensors \d+ MB/);
    }
  });

  it('shows no native Dawn lines and no stack trace', () => {
    expect(stderr).not.toMatch(/artificially reduced/);
    expect(stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
  });
});

describe('check-layer with layers that throw odd things', () => {
  it('shows a thrown non-Error by value, and control characters escaped on the console, in HTML and in JUnit', () => {
    const reportDir = mkdtempSync(path.join(tmpdir(), 'check-layer-odd-throws-'));
    const r = spawnSync(
      process.execPath,
      [
        bin,
        fixture('factory-throws-object.ts'),
        fixture('escapes-in-message.ts'),
        '--checks',
        'backwardDoesNotError',
        '--format',
        'html,json,junit',
        '--report-dir',
        reportDir,
      ],
      { cwd: root, encoding: 'utf8', timeout: 170_000, env: { ...process.env, CI: 'true', NO_COLOR: '1' } },
    );
    expect(r.stderr).toMatch(/factory-throws-object\.ts: .* threw: \{ code: 42 \} \(thrown, not an Error\)/);
    const shown = /\\x1b\[2J\\x1b\]0;pwned\\x07 bad backward \\x00 \\x9b6n \\x7f end/;
    expect(r.stdout).toMatch(shown);
    // eslint-disable-next-line no-control-regex
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
    expect(r.stdout + r.stderr).not.toMatch(raw);
    for (const f of ['escapes-in-message.html', 'escapes-in-message.junit.xml', 'index.html']) {
      const text = readFileSync(path.join(reportDir, f), 'utf8');
      expect(text, f).not.toMatch(raw);
      if (f !== 'index.html') expect(text, f).toMatch(shown);
    }
    // The JSON keeps the message as the layer gave it (JSON writes control characters as \u escapes).
    const json = JSON.parse(readFileSync(path.join(reportDir, 'escapes-in-message.json'), 'utf8')) as RunResult;
    expect(json.checks[0]!.message).toContain('\u001b[2J\u001b]0;pwned\u0007 bad backward \u0000 \u009b6n \u007f end');
  }, 180_000);
});

describe('check-layer with two classes under one className', () => {
  const cli = (...files: string[]) =>
    spawnSync(
      process.execPath,
      [
        bin,
        ...files.map(fixture),
        '--checks',
        'configRoundTrips',
        '--report-dir',
        mkdtempSync(path.join(tmpdir(), 'check-layer-class-clash-')),
      ],
      { cwd: root, encoding: 'utf8', timeout: 170_000, env: { ...process.env, CI: 'true', NO_COLOR: '1' } },
    );

  it('names the file of each class', () => {
    const r = cli('class-name-clash.ts');
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('FAIL       shape/configRoundTrips (0.');
    expect(r.stdout).toMatch(
      new RegExp(
        "two classes are registered under the className 'ScaledRelu': the layer is ScaledRelu from fixtures/reliability/class-name-clash/scaled-relu-v1\\.ts, " +
          'but another class of the same name, ScaledRelu from fixtures/reliability/class-name-clash/scaled-relu-v2\\.ts, was registered under it later',
      ),
    );
  }, 180_000);

  it('passes either class on its own', () => {
    const r = cli(path.join('class-name-clash', 'scaled-relu-v1.ts'));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS {7}shape\/configRoundTrips .*'ScaledRelu' round-trips/);
  }, 180_000);

  it('judges a file on its own imports when an earlier file of the run registered its className', () => {
    // v1's module is already loaded (by the clash file) when v1 comes: only a fresh process sees it as it is.
    const r = cli('class-name-clash.ts', path.join('class-name-clash', 'scaled-relu-v1.ts'));
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const [clash, alone] = r.stdout.split(/^check-layer fixtures\/reliability\/class-name-clash\/scaled-relu-v1\.ts/m);
    expect(clash).toMatch(/FAIL {7}shape\/configRoundTrips .*two classes are registered/);
    expect(alone).toMatch(/PASS {7}shape\/configRoundTrips .*'ScaledRelu' round-trips/);
  }, 180_000);
});

describe('check-layer with a check that cannot judge', () => {
  it('reports it incomplete, not passed, and still runs the check that names the error', () => {
    const reportDir = mkdtempSync(path.join(tmpdir(), 'check-layer-not-judged-'));
    const r = spawnSync(
      process.execPath,
      [
        bin,
        path.join('fixtures', 'shape', 'backward-does-not-error.ts'),
        '--checks',
        'functionSyntaxesAreCorrect,backwardDoesNotError',
        '--format',
        'json,junit',
        '--report-dir',
        reportDir,
      ],
      { cwd: root, encoding: 'utf8', timeout: 170_000, env: { ...process.env, CI: 'true', NO_COLOR: '1' } },
    );
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^ {2}INCOMPLETE shape\/functionSyntaxesAreCorrect .*: not judged: backward threw \(/m);
    expect(r.stdout).not.toMatch(/PASS .*not judged/);
    const run = JSON.parse(readFileSync(path.join(reportDir, 'backward-does-not-error.json'), 'utf8')) as RunResult;
    expect(run.checks.map((c) => [c.id, c.status])).toEqual([
      ['functionSyntaxesAreCorrect', 'incomplete'],
      ['backwardDoesNotError', 'failed'],
    ]);
    expect(readFileSync(path.join(reportDir, 'backward-does-not-error.junit.xml'), 'utf8')).toMatch(
      /<testcase name="functionSyntaxesAreCorrect"[^>]*>\s*<error message="not judged: backward threw/,
    );
  }, 180_000);
});

describe('check-layer with a layer that prints more than a pipe holds', () => {
  it("passes every line on under the layer's own file, before the next file starts", () => {
    const r = spawnSync(
      process.execPath,
      [
        bin,
        fixture('loud.ts'),
        path.join('fixtures', 'loading', 'plain-relu.mjs'),
        '--checks',
        'functionSyntaxesAreCorrect,predictDoesNotError',
        '--report-dir',
        mkdtempSync(path.join(tmpdir(), 'check-layer-loud-')),
      ],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 170_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const loud = lines.filter((l) => / loud \d+ \d+ x+$/.test(l));
    // Each predict call printed 3,000 numbered lines; all arrive, none under plain-relu.mjs.
    expect(loud.every((l) => l.startsWith('  [loud.ts] loud '))).toBe(true);
    const calls = new Set(loud.map((l) => /loud (\d+) /.exec(l)![1]));
    expect(calls.size).toBeGreaterThan(1);
    expect(loud).toHaveLength(calls.size * 3000);
    const nextHeader = lines.findIndex((l) => l.startsWith('check-layer fixtures/loading/plain-relu.mjs'));
    expect(nextHeader).toBeGreaterThan(lines.lastIndexOf(loud.at(-1)!));
  }, 180_000);
});
