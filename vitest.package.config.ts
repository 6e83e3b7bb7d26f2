/**
 * `npm run test:package`: the packed package installed in a fresh project and used there
 * (test-support/package/). Not part of `npm test`: it packs, builds and installs (minutes).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test-support/package/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
  },
});
