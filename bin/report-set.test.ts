/**
 * Reports are written as a set, through the real CLI: when one of them cannot be put in place (a
 * folder stands where it goes) none of the run's reports replaces the earlier ones, nothing
 * temporary is left, and the error is one line with exit code 2; a staging folder left by a
 * killed run is cleared by the next; SIGTERM during the writing ends the process only once the
 * set is complete.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'check-layer.mjs');
const env = { ...process.env, CI: 'true', NO_COLOR: '1' };

const cli = (reportDir: string) =>
  spawnSync(
    process.execPath,
    [
      bin,
      path.join('fixtures', 'loading', 'plain-relu.mjs'),
      '--checks',
      'functionSyntaxesAreCorrect',
      '--format',
      'html,json,junit',
      '--report-dir',
      reportDir,
    ],
    { cwd: root, encoding: 'utf8', timeout: 170_000, env },
  );

/** The pid of a process that has ended (as a run killed mid-write would have). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('reports are written as a set', () => {
  it('keeps the earlier reports and leaves nothing behind when one cannot be put in place', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'check-layer-report-set-'));
    writeFileSync(path.join(dir, 'plain-relu.html'), 'the earlier report');
    mkdirSync(path.join(dir, 'plain-relu.json'));
    writeFileSync(path.join(dir, 'plain-relu.json', 'something.txt'), 'in the way');
    const stale = `.check-layer-staging-${deadPid()}`;
    mkdirSync(path.join(dir, stale, 'new'), { recursive: true });
    writeFileSync(path.join(dir, stale, 'new', 'plain-relu.html'), 'half');

    const failed = cli(dir);
    expect(failed.status, failed.stdout + failed.stderr).toBe(2);
    const errLines = failed.stderr.trim().split('\n');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(
      /^check-layer: --report-dir .*: cannot write plain-relu\.json \(EISDIR, a folder stands there\); no report of this run was saved and the earlier ones are as they were; remove what is in the way or choose another --report-dir$/,
    );
    // The HTML had been put in place before the JSON failed: it is the earlier one again.
    expect(readFileSync(path.join(dir, 'plain-relu.html'), 'utf8')).toBe('the earlier report');
    expect(readdirSync(dir).sort()).toEqual(['plain-relu.html', 'plain-relu.json']);
    expect(readdirSync(path.join(dir, 'plain-relu.json'))).toEqual(['something.txt']);

    // With the folder out of the way, the whole set arrives.
    const ok = cli(path.join(dir, 'plain-relu.json'));
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(readdirSync(path.join(dir, 'plain-relu.json')).sort()).toEqual([
      'plain-relu.html',
      'plain-relu.json',
      'plain-relu.junit.xml',
      'something.txt',
    ]);
  }, 180_000);

  it('finishes the set before SIGTERM ends the process', () => {
    const first = mkdtempSync(path.join(tmpdir(), 'check-layer-report-set-run-'));
    expect(cli(first).status).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'check-layer-report-set-signal-'));
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join('test-support', 'write-reports-under-signal.ts'),
        path.join(first, 'plain-relu.json'),
        dir,
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000, env },
    );
    expect(r.signal, r.stdout + r.stderr).toBe('SIGTERM');
    expect(r.stdout).toBe('');
    expect(readdirSync(dir).sort()).toEqual(['plain-relu.html', 'plain-relu.json', 'plain-relu.junit.xml']);
    expect(readFileSync(path.join(dir, 'plain-relu.json'), 'utf8')).toBe(
      readFileSync(path.join(first, 'plain-relu.json'), 'utf8'),
    );
  }, 180_000);
});
