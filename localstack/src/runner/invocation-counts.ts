import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { invocationCounts } from '../lambda-runtime';
import { RUN_DIR } from '../settings';

/**
 * The runner's invocations per function so far, as a file the bench reads: what Lambda would bill a request for
 * (consumer batches, schedules). Rewritten every second, renamed into place so a reader never sees half a file;
 * a new runner counts from zero.
 */
export const RUNNER_INVOCATION_COUNTS = join(RUN_DIR, 'runner.invocations.json');

function writeCounts(): void {
  writeFileSync(`${RUNNER_INVOCATION_COUNTS}.tmp`, JSON.stringify(invocationCounts()));
  renameSync(`${RUNNER_INVOCATION_COUNTS}.tmp`, RUNNER_INVOCATION_COUNTS);
}

export function writeInvocationCountsEverySecond(): void {
  mkdirSync(dirname(RUNNER_INVOCATION_COUNTS), { recursive: true });
  writeCounts();
  setInterval(writeCounts, 1_000).unref();
}
