/**
 * Runs vitest on entry/vitest-fixture/ in a child process, as a user's project would run it:
 * only the test files matching `filter`, JSON results into `out`/vitest.json, the verbose
 * reporter's text as stdout. The child is killed after `killAfterMs` (a hang is a result too:
 * `killed` is then true).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  status: string;
  failureMessages: string[];
  duration?: number;
}
export interface VitestJson {
  numFailedTests: number;
  numPassedTests: number;
  numPendingTests: number;
  testResults: { assertionResults: AssertionResult[]; message?: string }[];
}

export interface FixtureRun {
  exitCode: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
  wallMs: number;
  report: VitestJson | null;
}

export function runFixtureVitest(
  filter: string,
  out: string,
  env: Record<string, string>,
  killAfterMs: number,
): Promise<FixtureRun> {
  // The child must not think it is a worker of this vitest.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'),
  );
  const json = path.join(out, 'vitest.json');
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        filter,
        '--root',
        'entry/vitest-fixture',
        '--reporter=json',
        '--reporter=verbose',
        `--outputFile.json=${json}`,
      ],
      {
        cwd: ROOT,
        env: { ...inherited, NO_COLOR: '1', CHECK_LAYER_FIXTURE_OUT: out, ...env },
        maxBuffer: 32 << 20,
        timeout: killAfterMs,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number; killed?: boolean }) | null;
        resolve({
          exitCode: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          killed: Boolean(e?.killed),
          stdout: String(stdout),
          stderr: String(stderr),
          wallMs: Date.now() - t0,
          report: existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as VitestJson) : null,
        });
      },
    );
  });
}
