import { defineConfig } from 'vitest/config';

// Scenario tests that drive a whole two-AZ topology under load judge timing-sensitive mechanics
// (failover, error rates, loads per expiry). On two cores they must not share the machine with
// other test files, so they run after everything else, one file at a time. So do the tests that
// kill a runner with -9 and expect its leftovers: any other test's testbed start reaps them too.
// The CLI's tests run whole scenarios and judge their gates: beside the service-container test
// (image build, containers) one of them measured 2.3% errors against its 0.1% gate (2026-12-03).
const HEAVY = ['scenarios/catalogue/chaos-scenarios.test.ts', 'scenarios/catalogue/restore-drill.test.ts', 'scenarios/catalogue/containers-provider.test.ts',
  'scenarios/cli-reaping.test.ts', 'testbed/containers/reaping.test.ts', 'scenarios/cli.test.ts'];

const shared = {
  exclude: ['**/node_modules/**', 'infra/cdk.out/**'],
  // Integration tests boot real Postgres/Redis/dynalite processes: give them room, not retries.
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { ...shared, name: 'suite', include: ['{service,testbed,scenarios,loadtests,chaos,infra}/**/*.test.ts'], exclude: [...shared.exclude, ...HEAVY], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'heavy', include: HEAVY, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
