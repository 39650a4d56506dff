/**
 * `npm run bench` (see docs/pipeline-performance.md). The handlers the bench runs in this process (the
 * consumers alone) log errors only and print no metrics, so the table is not lost among their lines: set before
 * they load. The stack's own processes keep their settings.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { main, UsageError } = await import('./run');

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof UsageError ? error.message : `bench failed: ${(error as Error).message}`;
    // A failure is one line; the usage text is the one message that spans several.
    console.error(error instanceof UsageError ? message : message.split('\n')[0]);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);

export {};
