import { describe, expect, it } from 'vitest';
import { REDRIVE_CONSUMER_HEADER } from '../../../lambdas/core/config/messaging';
import { UnsupportedEventError } from '../../../lambdas/core/domain/errors';
import { consumeRecords } from '../../../lambdas/core/use-cases/consume-records';
import { DependencyStillUnavailableError } from '../../../lambdas/core/use-cases/errors';
import { inMemoryConsumer, consumedRecord as record } from '../../support/in-memory-consumer-ports';

/** What node-postgres throws while the database refuses connections (a failover). */
const databaseDown = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('consumeRecords with poison records', () => {
  it('dead-letters a poison record after 3 attempts with 2 s and 4 s backoff and goes on with the rest', async () => {
    const { policy, letters, sleeps } = inMemoryConsumer();
    const handled: number[] = [];
    const attempts = new Map<number, number>();
    await consumeRecords(
      [record(1, 'a', 'good'), record(2, 'b', Buffer.from([0xff, 0xfe])), record(3, 'c', 'good')],
      policy,
      async (r) => {
        attempts.set(r.offset, (attempts.get(r.offset) ?? 0) + 1);
        if (r.offset === 2) throw new UnsupportedEventError('malformed event envelope');
        handled.push(r.offset);
      },
    );
    expect(handled.sort()).toEqual([1, 3]);
    expect(attempts.get(2)).toBe(3);
    expect(sleeps).toEqual([2_000, 4_000]);
    expect(letters).toEqual([
      expect.objectContaining({
        offset: 2,
        attempts: 3,
        payload: '//4=',
        payloadEncoding: 'base64',
        lastError: 'UnsupportedEventError: malformed event envelope',
      }),
    ]);
  });

  it('fails the whole batch when the dead-letter queue cannot take the record', async () => {
    const { policy } = inMemoryConsumer({ failDeadLetters: true });
    await expect(
      consumeRecords([record(1, 'a', 'x')], policy, async () => {
        throw new UnsupportedEventError('poison');
      }),
    ).rejects.toThrow('queue down');
  });

  it("handles one payment's records in order", async () => {
    const { policy } = inMemoryConsumer();
    const order: number[] = [];
    await consumeRecords(
      [record(1, 'a', 'x'), record(2, 'a', 'x'), record(3, 'a', 'x')],
      policy,
      async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 5 - r.offset));
        order.push(r.offset);
      },
    );
    expect(order).toEqual([1, 2, 3]);
  });
});

describe('consumeRecords with an unavailable dependency', () => {
  it('waits out a 30 s database outage with capped backoff and dead-letters nothing', async () => {
    const { policy, letters, sleeps, clock } = inMemoryConsumer();
    const handled: number[] = [];
    await consumeRecords([record(1, 'a', 'x'), record(2, 'b', 'x')], policy, async (r) => {
      if (clock.now < 30_000) throw databaseDown();
      handled.push(r.offset);
    });
    expect(handled.sort()).toEqual([1, 2]);
    expect(letters).toEqual([]);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(policy.transientRetry.maxMs);
  });

  it('backs off exponentially from the base up to the cap between tries of a waiting record', async () => {
    const { policy, sleeps, clock } = inMemoryConsumer();
    await consumeRecords([record(1, 'a', 'x')], policy, async () => {
      if (clock.now < 120_000) throw databaseDown();
    });
    expect(sleeps.slice(0, 8)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('fails the batch without a dead letter once the invocation runs out of time', async () => {
    const { policy, letters, clock } = inMemoryConsumer({ invocationMs: 120_000 });
    const handled: number[] = [];
    await expect(
      consumeRecords([record(1, 'a', 'x'), record(2, 'a', 'x')], policy, async (r) => {
        if (r.offset === 1) throw databaseDown();
        handled.push(r.offset);
      }),
    ).rejects.toBeInstanceOf(DependencyStillUnavailableError);
    expect(letters).toEqual([]);
    // The later record of the same payment never overtakes the one still waiting.
    expect(handled).toEqual([]);
    expect(policy.remainingTimeMs()).toBeGreaterThanOrEqual(policy.transientRetry.stopBeforeTimeoutMs);
    expect(clock.now).toBeGreaterThan(60_000);
  });

  it('waits for the parking store, too, before it touches any record', async () => {
    const { policy, letters } = inMemoryConsumer({ invocationMs: 30_000 });
    const unavailable = {
      ...policy,
      parked: { ...policy.parked, find: async () => Promise.reject(databaseDown()) },
    };
    let handled = 0;
    await expect(
      consumeRecords([record(1, 'a', 'x')], unavailable, async () => {
        handled++;
      }),
    ).rejects.toBeInstanceOf(DependencyStillUnavailableError);
    expect(handled).toBe(0);
    expect(letters).toEqual([]);
  });
});

describe('consumeRecords parks a payment behind its dead letter', () => {
  it("dead-letters the payment's later events naming the first letter, and leaves other payments alone", async () => {
    const { policy, letters, parkings } = inMemoryConsumer();
    const handled: number[] = [];
    await consumeRecords(
      [record(1, 'pay-1', 'capture'), record(2, 'pay-2', 'other'), record(3, 'pay-1', 'refund')],
      policy,
      async (r) => {
        if (r.offset === 1) throw new UnsupportedEventError('malformed payment.succeeded data');
        handled.push(r.offset);
      },
    );
    expect(handled).toEqual([2]);
    expect(letters.map(({ offset, attempts }) => ({ offset, attempts }))).toEqual([
      { offset: 1, attempts: 3 },
      { offset: 3, attempts: 0 },
    ]);
    expect(letters[1]?.lastError).toBe(
      'ParkedBehindDeadLetterError: payment pay-1 is parked behind dead letter letter-1 (partition 0); redrive that letter first',
    );
    expect(parkings.get('ledger/pay-1')).toEqual({ letterId: 'letter-1', partition: 0, lastOffset: 3 });
  });

  it('parks events of a payment parked by an earlier batch, and skips what a redelivered batch already dead-lettered', async () => {
    const { policy, letters, parkings } = inMemoryConsumer();
    parkings.set('ledger/pay-1', { letterId: 'letter-0', partition: 0, lastOffset: 5 });
    const handled: number[] = [];
    await consumeRecords([record(5, 'pay-1', 'x'), record(6, 'pay-1', 'x')], policy, async (r) => {
      handled.push(r.offset);
    });
    expect(handled).toEqual([]);
    expect(letters.map((letter) => letter.offset)).toEqual([6]);
    expect(letters[0]?.lastError).toContain('parked behind dead letter letter-0');
  });

  it("ignores a letter redriven for another consumer: that consumer's letter, settled here already", async () => {
    const { policy, letters } = inMemoryConsumer();
    const handled: number[] = [];
    await consumeRecords(
      [
        record(1, 'pay-1', 'x', { [REDRIVE_CONSUMER_HEADER]: 'notifier' }),
        record(2, 'pay-2', 'x', { [REDRIVE_CONSUMER_HEADER]: 'ledger' }),
      ],
      policy,
      async (r) => {
        handled.push(r.offset);
      },
    );
    expect(handled).toEqual([2]);
    expect(letters).toEqual([]);
  });

  it('passes over the events a consumer does not handle, reading no parked payment for them, parked or not', async () => {
    const { policy, letters, parkings } = inMemoryConsumer();
    parkings.set('ledger/pay-1', { letterId: 'letter-0', partition: 0, lastOffset: 4 });
    const lookedUp: string[][] = [];
    const counting = {
      ...policy,
      parked: {
        ...policy.parked,
        find: (consumer: string, ids: string[]) => {
          lookedUp.push(ids);
          return policy.parked.find(consumer, ids);
        },
      },
      handles: (r: { headers: Readonly<Record<string, string>> }) =>
        r.headers['event-type'] !== 'payment.initiated',
    };
    const handled: number[] = [];
    const initiated = { 'event-type': 'payment.initiated' };

    await consumeRecords(
      [record(5, 'pay-1', 'x', initiated), record(6, 'pay-2', 'x', initiated)],
      counting,
      async (r) => {
        handled.push(r.offset);
      },
    );
    expect(lookedUp).toEqual([]);
    expect(handled).toEqual([]);
    expect(letters).toEqual([]);

    // A handled event of the parked payment is still dead-lettered behind its letter; a record without the
    // header is read, so that a poison record is found.
    await consumeRecords(
      [record(7, 'pay-1', 'x', { 'event-type': 'payment.succeeded' }), record(8, 'pay-3', 'x')],
      counting,
      async (r) => {
        handled.push(r.offset);
      },
    );
    expect(lookedUp).toEqual([['pay-1', 'pay-3']]);
    expect(handled).toEqual([8]);
    expect(letters.map((letter) => letter.offset)).toEqual([7]);
  });
});
