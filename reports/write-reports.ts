/**
 * Writes each run's reports into the report folder, atomically (a temporary file renamed into
 * place), and an index page linking them when several layer files ran.
 */
import { accessSync, constants, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../harness/errors.ts';
import type { ReportFormat } from '../harness/options.ts';
import type { RunResult } from '../harness/result.ts';
import { renderIndex, WRITERS } from './index.ts';

export function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** A file-name stem per layer file, unique within the run: `elu-layer`, `elu-layer-2`. */
export function reportStems(files: string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const base =
      path
        .basename(f)
        .replace(/\.(m?ts|m?js)$/, '')
        .replace(/[^A-Za-z0-9._-]+/g, '-') || 'layer';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

export interface WrittenReports {
  /** Per run, the files written, by format. */
  perRun: Partial<Record<ReportFormat, string>>[];
  index?: string;
}

/** Creates the report folder, or finds it writable; run before the first check, so a bad --report-dir costs nothing. */
export function prepareReportDir(reportDir: string): void {
  try {
    mkdirSync(reportDir, { recursive: true });
    accessSync(reportDir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const what = code === 'EACCES' || code === 'EPERM' ? 'cannot write into it' : 'cannot create it';
    throw new UsageError(`--report-dir ${reportDir}: ${what} (${code}); choose a writable folder`);
  }
}

export function writeReports(runs: RunResult[], reportDir: string, formats: ReportFormat[]): WrittenReports {
  prepareReportDir(reportDir);
  const stems = reportStems(runs.map((r) => r.layer.file));
  const written: WrittenReports = { perRun: [] };
  try {
    runs.forEach((run, i) => {
      const files: Partial<Record<ReportFormat, string>> = {};
      for (const format of formats) {
        const writer = WRITERS[format];
        const file = path.join(reportDir, `${stems[i]}${writer.extension}`);
        writeAtomically(file, writer.render(run));
        files[format] = file;
      }
      written.perRun.push(files);
    });
    if (runs.length > 1) {
      const index = path.join(reportDir, 'index.html');
      writeAtomically(
        index,
        renderIndex(
          runs.map((run, i) => ({
            file: run.layer.file,
            reportHref: path.basename(written.perRun[i]!.html ?? written.perRun[i]!.json ?? ''),
            run,
          })),
        ),
      );
      written.index = index;
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `--report-dir ${reportDir}: cannot write reports (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a writable folder`,
    );
  }
  return written;
}
