import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, RECORDING_RETRY } from '../config/retry-policies';
import type { Clock } from './ports/clock';

/**
 * Runs a write of an outcome that is already decided (the bank's answer, a delivered webhook), retrying it
 * with RECORDING_RETRY's waits while `deadline` leaves time for another try, then throws its last
 * error. The database may be away just after the outcome arrived; giving up at once would lose an outcome
 * that only this caller knows. Any error is retried: the use case cannot tell an outage from a bug, and a
 * bug fails at the deadline all the same.
 */
export async function retryingUntil<T>(write: () => Promise<T>, deadline: Date, clock: Clock): Promise<T> {
  for (let retry = 1; ; retry++) {
    const waitMs = backoffMs(RECORDING_RETRY, retry);
    try {
      return await write();
    } catch (error) {
      if (clock().getTime() + waitMs >= deadline.getTime()) throw error;
      await sleep(waitMs);
    }
  }
}
