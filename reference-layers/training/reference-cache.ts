/**
 * The reference ELU's training result on disk, so a later run does not train it again: one JSON
 * file per seed, setting (epochs, training and test digits), backend and check-layer version.
 *
 * Where: `$CHECK_LAYER_CACHE_DIR` when set (`off` turns the cache off); else
 * `node_modules/.cache/check-layer` of the current folder when it has a `node_modules` (the
 * convention of babel, eslint and others); else `$XDG_CACHE_HOME/check-layer` or
 * `~/.cache/check-layer`. Delete the folder to retrain. A file that cannot be read or parsed is
 * ignored (and replaced); a cache that cannot be written is skipped silently.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { TOOL_VERSION } from '../../harness/version.ts';
import type { TrainingEvidence } from './evaluate.ts';

export interface ReferenceKey {
  seed: number;
  epochs: number;
  trainSize: number;
  testSize: number;
  backend: string;
}

/** The cache folder, or null when `CHECK_LAYER_CACHE_DIR=off`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  const set = env['CHECK_LAYER_CACHE_DIR'];
  if (set !== undefined && set !== '') return set === 'off' ? null : path.resolve(cwd, set);
  if (existsSync(path.join(cwd, 'node_modules'))) return path.join(cwd, 'node_modules', '.cache', 'check-layer');
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg ? xdg : path.join(homedir(), '.cache'), 'check-layer');
}

export function referenceFile(dir: string, k: ReferenceKey, version = TOOL_VERSION): string {
  return path.join(
    dir,
    `reference-elu-v${version}-${k.backend}-seed${k.seed}-epochs${k.epochs}-train${k.trainSize}-test${k.testSize}.json`,
  );
}

/** The cached reference run for this key, or null. */
export function readReference(k: ReferenceKey): { evidence: TrainingEvidence; file: string } | null {
  const dir = cacheDir();
  if (!dir) return null;
  const file = referenceFile(dir, k);
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<TrainingEvidence>;
    const same =
      v.seed === k.seed &&
      v.backend === k.backend &&
      v.settings?.epochs === k.epochs &&
      v.data?.trainSize === k.trainSize &&
      v.data?.testSize === k.testSize &&
      typeof v.testAccuracy === 'number';
    return same ? { evidence: v as TrainingEvidence, file } : null;
  } catch {
    return null;
  }
}

/** Stores a finished reference run (written to a temporary file, then renamed: readers never see half). */
export function writeReference(k: ReferenceKey, evidence: TrainingEvidence): string | null {
  const dir = cacheDir();
  if (!dir || evidence.stopped) return null;
  const file = referenceFile(dir, k);
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, JSON.stringify(evidence));
    renameSync(tmp, file);
    return file;
  } catch {
    return null;
  }
}
