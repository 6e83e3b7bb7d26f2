import { configDefaults, defineConfig } from 'vitest/config';
import { SOURCE_ALIASES } from './test-support/source-aliases.ts';

export default defineConfig({
  resolve: { alias: SOURCE_ALIASES },
  test: {
    include: [
      'harness/**/*.test.ts',
      'entry/**/*.test.ts',
      'test-support/**/*.test.ts',
      'suites/**/*.test.ts',
      'reference-layers/**/*.test.ts',
      'reports/**/*.test.ts',
      'fixtures/**/*.test.ts',
      'bin/**/*.test.ts',
    ],
    // The installed-package test packs and installs (minutes): `npm run test:package`, a step of .ci/run.
    exclude: [...configDefaults.exclude, 'test-support/package/**'],
    // TensorFlow.js work is CPU-bound; two cores here and in CI.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    // The reference training run's disk cache is off: no test depends on what an earlier run left
    // (the cache's own test points it at a temporary folder).
    env: { CHECK_LAYER_CACHE_DIR: 'off' },
    hookTimeout: 120_000,
  },
});
