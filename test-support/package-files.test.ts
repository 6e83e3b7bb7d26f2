/**
 * What the package ships (issue 9, issue 12): the build's inputs are the shipped folders' sources
 * with no test, fixture, test helper or benchmark among them; `files` names the build, the
 * command, README and the JSON Schema; every export a user resolves (types and code) points into
 * the build or the schema, and the sources are reached only through the repository's own
 * `check-layer-source` condition. The installed package itself is tested by
 * test-support/package/installed-package.test.ts (`npm run test:package`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './real-runs.ts';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  files: string[];
  bin: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
};
const NOT_SHIPPED = /(\.test\.ts$|^fixtures\/|^test-support\/|^bench\/|vitest-fixture\/)/;

describe('the package', () => {
  it('builds from the shipped folders only: no tests, fixtures, test helpers or benchmarks', () => {
    const inputs = execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--listFilesOnly'],
      { cwd: ROOT, encoding: 'utf8' },
    )
      .split('\n')
      .filter((f) => f && !f.includes('/node_modules/'))
      .map((f) => path.relative(ROOT, f));
    expect(inputs.filter((f) => NOT_SHIPPED.test(f))).toEqual([]);
    expect(new Set(inputs.map((f) => f.split('/')[0]))).toEqual(
      new Set(['harness', 'entry', 'suites', 'reports', 'reference-layers']),
    );
    // The loader hooks and the process and thread entries are compiled along (they run from dist/).
    for (const f of ['harness/register-loader.mjs', 'harness/resolve-hooks.mjs', 'entry/worker-entry.mjs'])
      expect(inputs).toContain(f);
  }, 120_000);

  it('lists the build, the command, README and the schema as its files', () => {
    expect([...pkg.files].sort()).toEqual(['bin/check-layer.mjs', 'dist/', 'reports/report.schema.json']);
    expect(pkg.bin).toEqual({ 'check-layer': 'bin/check-layer.mjs' });
  });

  it('points every export at the build (types and code), the sources only under check-layer-source', () => {
    expect(pkg.main).toBe('./dist/entry/index.js');
    expect(pkg.types).toBe('./dist/entry/index.d.ts');
    for (const target of Object.values(pkg.exports)) {
      if (typeof target === 'string') {
        expect(target).toMatch(/^\.\/(package\.json|reports\/report\.schema\.json)$/);
        continue;
      }
      expect(Object.keys(target)).toEqual(['check-layer-source', 'types', 'default']);
      const source = target['check-layer-source']!;
      expect(source).toMatch(/^\.\/(entry|harness)\/[\w-]+\.ts$/);
      const built = source.replace(/^\.\//, './dist/');
      expect(target['types']).toBe(built.replace(/\.ts$/, '.d.ts'));
      expect(target['default']).toBe(built.replace(/\.ts$/, '.js'));
    }
  });
});
