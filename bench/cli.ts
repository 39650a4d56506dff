/**
 * `npm run bench` (see the README's Performance section). The handlers the bench runs in this process log at
 * WARN, as the local stack's do, so the table is not lost among their INFO lines: set before they load.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
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
