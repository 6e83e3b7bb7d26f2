import { defineConfig } from 'vitest/config';

export default defineConfig({
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
    // TensorFlow.js work is CPU-bound; two cores here and in CI.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
