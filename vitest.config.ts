import { defineConfig } from 'vitest/config';

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
          exclude: ['test/e2e/chaos.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        // The chaos run kills processes and takes the bank down: it runs alone, after the other stack tests.
        extends: true,
        test: {
          name: 'stack-chaos',
          include: ['test/e2e/chaos.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
