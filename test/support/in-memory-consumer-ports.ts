import type { ConsumePolicy } from '../../lambdas/core/use-cases/consume-records';
import type {
  ConsumedRecord,
  DeadLetter,
  ParkedPayments,
  Parking,
} from '../../lambdas/core/use-cases/ports/consumers';
import { classifyFailure } from '../../lambdas/core/use-cases/retry-decision';

export const consumedRecord = (
  offset: number,
  key: string,
  value: Buffer | string,
  headers: Record<string, string> = {},
): ConsumedRecord => ({
  topic: 'payment-events',
  partition: 0,
  offset,
  timestamp: 0,
  key: Buffer.from(key),
  value: Buffer.isBuffer(value) ? value : Buffer.from(value),
  headers,
});

/**
 * A consume policy on in-memory ports and a fake clock: `sleep` advances the clock at once, and the
 * invocation's remaining time counts down from `invocationMs` on that clock.
 */
export function inMemoryConsumer(options: { invocationMs?: number; failDeadLetters?: boolean } = {}) {
  const letters: (DeadLetter & { id: string })[] = [];
  const parkings = new Map<string, Parking>();
  const sleeps: number[] = [];
  const clock = { now: 0 };
  const parked: ParkedPayments = {
    find: async (consumer, paymentIds) =>
      new Map(
        paymentIds.flatMap((id) => {
          const parking = parkings.get(`${consumer}/${id}`);
          return parking ? [[id, parking] as const] : [];
        }),
      ),
    park: async (consumer, paymentId, parking) => {
      parkings.set(`${consumer}/${paymentId}`, parking);
    },
  };
  const policy: ConsumePolicy = {
    consumer: 'ledger',
    maxAttempts: 3,
    retryBaseMs: 2_000,
    transientRetry: { baseMs: 500, maxMs: 30_000, stopBeforeTimeoutMs: 10_000 },
    concurrency: 4,
    deadLetters: {
      send: async (letter) => {
        if (options.failDeadLetters) throw new Error('queue down');
        const id = `letter-${letters.length + 1}`;
        letters.push({ ...letter, id });
        return id;
      },
    },
    parked,
    classify: classifyFailure,
    remainingTimeMs: () => (options.invocationMs ?? 900_000) - clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
  };
  return { policy, letters, parkings, sleeps, clock };
}
