/**
 * A user's project in miniature, for entry/vitest.test.ts: vitest with one test file that
 * uses describeLayer on a correct layer, a broken one and a Form A layer. Its test file is named
 * `*.check.ts` so the project's own vitest run does not pick it up (one of its layers fails on purpose).
 */
import { defineConfig } from 'vitest/config';
import { SOURCE_ALIASES } from '../../test-support/source-aliases.ts';

export default defineConfig({
  resolve: { alias: SOURCE_ALIASES },
  // Vite's cache under the project's own node_modules, not a new one in this folder.
  cacheDir: '../../node_modules/.vite/vitest-fixture',
  test: {
    include: ['*.check.ts'],
    pool: 'forks',
    maxWorkers: 1,
  },
});
