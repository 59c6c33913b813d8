import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    passWithNoTests: false,
    // A test that asserts nothing proves nothing.
    expect: { requireAssertions: true },
    pool: 'forks',
    // Most tests wait on real processes, sockets and files: two workers even on two cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
