import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{service,testbed,scenarios,loadtests,chaos,infra}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'infra/cdk.out/**'],
    // Integration tests boot real Postgres/Redis/dynalite processes: give them room, not retries.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
