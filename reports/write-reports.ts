/**
 * Writes a run's reports into the report folder as one set: every file of the run (each format of
 * each layer file, and the index page) is written into a staging folder first, then moved into
 * place one rename each; if any of them cannot be put in place, the ones already moved are put
 * back as they were (the earlier reports, or nothing), so the folder holds either the whole new set
 * or the old one. The staging folder is always removed; one left by a run that was killed (kill
 * -9, a power cut) is removed by the next run in that folder. SIGINT, SIGTERM and SIGHUP that
 * arrive while the set is written take effect once it is complete.
 */
import {
  accessSync,
  constants,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { UsageError } from '../harness/errors.ts';
import type { ReportFormat } from '../harness/options.ts';
import type { RunResult } from '../harness/result.ts';
import { renderIndex, WRITERS } from './index.ts';

/** The staging folder's name: `.check-layer-staging-<pid>`, so a later run can tell a dead run's leftover from a live one's. */
const STAGING = /^\.check-layer-staging-(\d+)$/;
const stagingName = (pid: number) => `.check-layer-staging-${pid}`;

/**
 * A file-name stem per layer file, unique within the run and apart from the set's own files
 * (`taken`: `index` beside the index page): `elu-layer`, `elu-layer-2`; a layer file
 * `index.ts` beside the index page gets `index-2`.
 */
export function reportStems(files: string[], taken: readonly string[] = []): string[] {
  const seen = new Map<string, number>(taken.map((t) => [t, 1]));
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
    const what =
      code === 'EACCES' || code === 'EPERM'
        ? 'cannot write into it'
        : code === 'EEXIST'
          ? 'cannot create it, a file of that name is there'
          : code === 'ENOTDIR'
            ? 'cannot create it, a file stands where a folder on its path should be'
            : 'cannot create it';
    throw new UsageError(`--report-dir ${reportDir}: ${what} (${code}); choose a writable folder`);
  }
}

/**
 * Renders every report of the run and puts them in place as one set (see the file comment).
 * Resolves once written; a signal that arrived meanwhile then ends the process as it would have.
 */
export async function writeReports(
  runs: RunResult[],
  reportDir: string,
  formats: ReportFormat[],
  more: MoreReports = {},
): Promise<WrittenReports> {
  return withSignalsHeld(() => writeReportSet(runs, reportDir, formats, more));
}

/** What merge-reports adds to a run's set. */
export interface MoreReports {
  /** Write index.html even for one run. */
  index?: boolean;
  /** Further files of the set, by name (the merged JUnit file). */
  files?: { name: string; text: string }[];
}

function writeReportSet(
  runs: RunResult[],
  reportDir: string,
  formats: ReportFormat[],
  more: MoreReports,
): WrittenReports {
  prepareReportDir(reportDir);
  removeStaleStaging(reportDir);
  const withIndex = runs.length > 1 || more.index === true;
  // Stems whose report would land on one of the set's own files (index.html; merge-reports' junit.xml
  // cannot: layer JUnit files end in .junit.xml).
  const ownFiles = [...(withIndex ? ['index.html'] : []), ...(more.files ?? []).map((f) => f.name)];
  const extensions = formats.map((f) => WRITERS[f].extension);
  const taken = ownFiles.flatMap((n) => extensions.filter((e) => n.endsWith(e)).map((e) => n.slice(0, -e.length)));
  const stems = reportStems(
    runs.map((r) => r.layer.file),
    taken,
  );
  const written: WrittenReports = { perRun: [] };
  const files: { name: string; text: string }[] = [];
  runs.forEach((run, i) => {
    const perRun: Partial<Record<ReportFormat, string>> = {};
    for (const format of formats) {
      const writer = WRITERS[format];
      const name = `${stems[i]}${writer.extension}`;
      files.push({ name, text: writer.render(run) });
      perRun[format] = path.join(reportDir, name);
    }
    written.perRun.push(perRun);
  });
  if (withIndex) {
    const index = 'index.html';
    const text = renderIndex(
      runs.map((run, i) => ({
        file: run.layer.file,
        reportHref: path.basename(written.perRun[i]!.html ?? written.perRun[i]!.json ?? ''),
        run,
      })),
    );
    files.push({ name: index, text });
    written.index = path.join(reportDir, index);
  }
  files.push(...(more.files ?? []));
  writeSet(reportDir, files);
  return written;
}

/** Writes the files into `dir` as a set: all of them, or none (the earlier files kept). */
export function writeSet(dir: string, files: { name: string; text: string }[]): void {
  const staging = path.join(dir, stagingName(process.pid));
  const fail = (name: string, e: unknown, moved: boolean): UsageError => {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const why = code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST' ? ', a folder stands there' : '';
    const kept = moved ? 'no report of this run was saved and the earlier ones are as they were' : 'no report saved';
    return new UsageError(
      `--report-dir ${dir}: cannot write ${name} (${code}${why}); ${kept}; remove what is in the way or choose another --report-dir`,
    );
  };
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(path.join(staging, 'new'), { recursive: true });
    mkdirSync(path.join(staging, 'old'));
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw fail(stagingName(process.pid), e, false);
  }
  try {
    for (const f of files) {
      try {
        writeFileSync(path.join(staging, 'new', f.name), f.text);
      } catch (e) {
        throw fail(f.name, e, false);
      }
    }
    // In place, one rename each; what was there before is kept aside (a hard link, or a copy) until all are in.
    const done: { target: string; old: string | null }[] = [];
    for (const f of files) {
      const target = path.join(dir, f.name);
      try {
        const old = keepAside(target, path.join(staging, 'old', f.name));
        renameSync(path.join(staging, 'new', f.name), target);
        done.push({ target, old });
      } catch (e) {
        putBack(done);
        throw fail(f.name, e, true);
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A link (or copy) of the file at `target`, if a file is there; null if nothing (or something that is no file) is. */
function keepAside(target: string, aside: string): string | null {
  let isFile: boolean;
  try {
    isFile = lstatSync(target).isFile();
  } catch {
    return null;
  }
  if (!isFile) return null;
  try {
    linkSync(target, aside);
  } catch {
    copyFileSync(target, aside);
  }
  return aside;
}

/** Undoes the renames done so far, last first: the earlier file back, or the new one removed. */
function putBack(done: { target: string; old: string | null }[]): void {
  for (const d of [...done].reverse()) {
    try {
      if (d.old) renameSync(d.old, d.target);
      else unlinkSync(d.target);
    } catch {
      // Best effort: the error thrown after this names the file that could not be written.
    }
  }
}

/** Removes staging folders left by runs that were killed mid-write (their process is gone). */
function removeStaleStaging(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(STAGING.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const HELD_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `write` (synchronous) with SIGINT, SIGTERM and SIGHUP held: without a listener the default
 * action would end the process between two renames. A signal that came meanwhile is delivered to
 * Node's listener on the next turn of the event loop; it is then raised again, with the default
 * action restored, so the process ends as the user asked, after the set is complete.
 */
async function withSignalsHeld<T>(write: () => T): Promise<T> {
  const caught: NodeJS.Signals[] = [];
  const hold = (s: NodeJS.Signals) => caught.push(s);
  for (const s of HELD_SIGNALS) process.on(s, hold);
  try {
    return write();
  } finally {
    // Two turns: the signal's byte is read in the poll phase, before setImmediate's callbacks run.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    for (const s of HELD_SIGNALS) process.off(s, hold);
    // Raised again only where nothing else listens: a program with its own handler (checkLayer inside
    // a user's process) has already been told, and its handler decides.
    const signal = caught[0];
    if (signal && process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }
}
