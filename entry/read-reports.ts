/**
 * Reading back the JSON reports that runs wrote (for merge-reports): every `*.json` of a report
 * folder, each checked to be a check-layer run report of the schema version this check-layer
 * writes, with the fields a merge reads. Problems are one-line UsageErrors naming the file or
 * folder and the fix.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../harness/errors.ts';
import { REPORT_SCHEMA_VERSION, SUITES, type RunResult } from '../harness/result.ts';
import { TOOL_VERSION } from '../harness/version.ts';

export interface ReadReport {
  /** The JSON file it came from. */
  path: string;
  run: RunResult;
}

const STATUSES = ['passed', 'failed', 'skipped', 'incomplete'];

/** The JSON reports of `dir`, in file-name order; [] when it has none. */
export function readReportDir(dir: string): ReadReport[] {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `merge-reports: ${dir}: ${code === 'ENOENT' ? 'no such folder' : `cannot read it (${code})`}; give the folders the shards wrote their reports to (--report-dir)`,
    );
  }
  if (!isDir)
    throw new UsageError(`merge-reports: ${dir}: not a folder; give the folders the shards wrote (--report-dir)`);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      return { path: file, run: readReport(file) };
    });
}

export function readReport(file: string): RunResult {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(
      `merge-reports: ${file}: not valid JSON (${(e as Error).message.split('\n')[0]}); remove it or rerun the shard that wrote it`,
    );
  }
  const problem = problemOf(value);
  if (problem) throw new UsageError(`merge-reports: ${file}: ${problem}`);
  return value as RunResult;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** What makes `v` unusable as a run report, or null. */
function problemOf(v: unknown): string | null {
  const malformed = (what: string) => `not a well-formed check-layer report (${what}); rerun the shard that wrote it`;
  if (!isObject(v) || !isObject(v['tool']) || v['tool']['name'] !== 'check-layer')
    return 'not a check-layer report (no tool.name "check-layer"); keep only check-layer reports in the folder';
  if (v['schemaVersion'] !== REPORT_SCHEMA_VERSION)
    return `schemaVersion ${JSON.stringify(v['schemaVersion'])}, written by check-layer ${String(v['tool']['version'])}; this check-layer (${TOOL_VERSION}) merges schemaVersion ${REPORT_SCHEMA_VERSION}: run every shard and the merge with the same check-layer`;
  const layer = v['layer'];
  if (!isObject(layer) || typeof layer['file'] !== 'string') return malformed('layer.file missing');
  const checks = v['checks'];
  if (!Array.isArray(checks)) return malformed('checks is not a list');
  for (const [i, c] of checks.entries()) {
    if (
      !isObject(c) ||
      typeof c['id'] !== 'string' ||
      !(SUITES as readonly unknown[]).includes(c['suite']) ||
      !STATUSES.includes(String(c['status'])) ||
      typeof c['message'] !== 'string'
    )
      return malformed(`checks[${i}] lacks an id, suite, status or message`);
  }
  const s = v['summary'];
  if (!isObject(s) || !['passed', 'failed', 'incomplete', 'skipped'].every((k) => isCount(s[k])))
    return malformed('summary counts missing');
  if (![0, 1, 2].includes(v['exitCode'] as number)) return malformed('exitCode is not 0, 1 or 2');
  return null;
}
