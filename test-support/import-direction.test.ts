/**
 * The house has floors: harness (the ground) < reference-layers < suites < entry, with reports
 * beside them reading the result model only. This walks every shipped source file's imports and
 * fails on one that points upward, naming both files. Tests, fixtures, benchmarks and test
 * helpers may import anything; nothing shipped may import them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What each shipped folder may import from the project (besides itself and package.json). */
const ALLOWED: Record<string, readonly string[]> = {
  harness: [],
  'reference-layers': ['harness'],
  suites: ['harness', 'reference-layers'],
  reports: ['harness'],
  entry: ['harness', 'reference-layers', 'suites', 'reports'],
  bin: ['harness', 'entry'],
};
const SHIPPED = Object.keys(ALLOWED);

const isTest = (rel: string) => /\.test\.ts$/.test(rel) || rel.startsWith('entry/vitest-fixture/');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|mjs)$/.test(name) ? [full] : [];
  });
}

/** Relative imports of a file (static and dynamic), resolved to project-relative paths. */
function importsOf(file: string): { spec: string; target: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const found: { spec: string; target: string; typeOnly: boolean }[] = [];
  const patterns = [/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm, /()()import\(\s*'([^']+)'\s*\)/g];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const spec = m[3] ?? '';
      if (!spec.startsWith('.')) continue;
      const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
      found.push({ spec, target, typeOnly: Boolean(m[2]) });
    }
  }
  return found;
}

const topOf = (rel: string) => rel.split(path.sep)[0] ?? '';

function tfFreeClosure(start: string): { tfImporter: string | null } {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const rel = stack.pop() ?? '';
    if (seen.has(rel)) continue;
    seen.add(rel);
    const text = readFileSync(path.join(ROOT, rel), 'utf8');
    if (/from\s+'@tensorflow\/|import\(\s*'@tensorflow\//.test(text)) return { tfImporter: rel };
    for (const i of importsOf(path.join(ROOT, rel)))
      if (!i.typeOnly && /\.(ts|mjs)$/.test(i.target)) stack.push(i.target);
  }
  return { tfImporter: null };
}

describe('import direction', () => {
  const shipped = SHIPPED.flatMap((d) => sourceFiles(path.join(ROOT, d)))
    .map((f) => path.relative(ROOT, f))
    .filter((rel) => !isTest(rel));

  it('finds the shipped files', () => {
    expect(shipped.length).toBeGreaterThan(50);
  });

  it('no shipped file imports a folder above its own, a test, a fixture or a test helper', () => {
    const wrong: string[] = [];
    for (const rel of shipped) {
      const from = topOf(rel);
      for (const { target } of importsOf(path.join(ROOT, rel))) {
        if (target === 'package.json') continue;
        const to = topOf(target);
        const ok = to === from ? !isTest(target) : (ALLOWED[from] ?? []).includes(to) && !isTest(target);
        if (!ok) wrong.push(`${rel} imports ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reports load no TensorFlow.js, not even through the harness', () => {
    const writers = shipped.filter((rel) => topOf(rel) === 'reports');
    const offenders = writers
      .map((rel) => ({ rel, ...tfFreeClosure(rel) }))
      .filter((x) => x.tfImporter)
      .map((x) => `${x.rel} reaches TensorFlow.js through ${x.tfImporter}`);
    expect(offenders).toEqual([]);
  });

  it('only the vitest helper imports vitest', () => {
    const users = shipped.filter((rel) => /from\s+'vitest'/.test(readFileSync(path.join(ROOT, rel), 'utf8')));
    expect(users).toEqual(['entry/vitest.ts']);
  });
});
