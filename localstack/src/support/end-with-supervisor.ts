/**
 * Loaded into every service the supervisor runs (node --import): the service ends when its supervisor ends,
 * whatever ended it. The supervisor opens an IPC channel to the service only for this: the channel closes
 * when the supervisor's process goes, by SIGKILL too (the OOM killer, a closed terminal), and 'disconnect'
 * fires. A service left running without its supervisor would be found by no pid file and would go on
 * working for whichever engines later listen on its ports.
 */

/** How long the service's own SIGTERM handling (leaving consumer groups, closing servers) may take. */
const SHUTDOWN_GRACE_MS = 10_000;

if (process.channel) {
  // The channel must not keep a service alive that would otherwise exit.
  process.channel.unref();
  process.once('disconnect', () => {
    // The output went to the supervisor, which is gone: a write now fails with EPIPE, which must not turn the
    // shutdown into a crash halfway through.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    // The service's own SIGTERM handler (if any) stops it cleanly; without one, SIGTERM ends it at once.
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  });
}
