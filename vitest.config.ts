import { configDefaults, defineConfig } from 'vitest/config';

// The smoke test takes the whole bank down, and compares the demo merchant's balance before and after.
const FAULT_TESTS = [
  'test/integration/faults/**/*.test.ts',
  'test/e2e/chaos.test.ts',
  'test/e2e/smoke.test.ts',
  // Restarts the API and the runner with test mode on Stripe.
  'test/e2e/stripe-processor.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CDK synthesis and the engines share two cores: more workers only make everything slower.
    maxWorkers: 2,
    projects: [
      {
        // Pure tests and the synthesized AWS templates: no engine needed.
        extends: true,
        test: { name: 'static', include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'] },
      },
      {
        // Real engines: starts those not already running, and stops only those it started.
        extends: true,
        test: {
          name: 'stack',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...FAULT_TESTS],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        // Fault injection on the shared stack (processes killed, the database and the bank taken away): after
        // all other tests and one file at a time, so that no other test runs into the fault.
        extends: true,
        test: {
          name: 'faults',
          include: FAULT_TESTS,
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
