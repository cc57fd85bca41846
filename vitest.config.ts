import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (*.test.ts); integration tests live in test/ and start
// real servers, so they get longer timeouts and run with limited parallelism.
export default defineConfig({
  test: {
    include: ['runtime/src/**/*.test.ts', 'operator/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
