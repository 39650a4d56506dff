import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../localstack/src/settings';
import { bringDown, type LocalEndpoints } from '../localstack/src/stack';
import { restartMissing } from './faults';
import { type StackProcess, stackProcesses } from './stack-processes';

/** How long processes told to stop by `local:down` may take to be gone before they count as survivors. */
const GONE_WITHIN_MS = 5_000;

/**
 * Runs `local:down` (bringDown, what it runs), then looks for any process of this checkout's stack still
 * alive: each one would outlive the stack and hold a port, a consumer group or a bank claim. Survivors are
 * killed so they do not haunt the next stack, and the stack is brought up again as it was, so the run
 * leaves it as it found it.
 */
export async function survivorsOfLocalDown(expected: LocalEndpoints): Promise<StackProcess[]> {
  await bringDown();
  const deadline = Date.now() + GONE_WITHIN_MS;
  let survivors = stackProcesses(ROOT);
  while (survivors.length > 0 && Date.now() < deadline) {
    await sleep(250);
    survivors = stackProcesses(ROOT);
  }
  for (const survivor of survivors) {
    try {
      process.kill(survivor.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  await restartMissing(expected);
  return survivors;
}
