import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts the local engines that are not already running, and stops only those it started.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CDK synthesis and the engines share two cores: more workers only make everything slower.
    maxWorkers: 2,
  },
});
