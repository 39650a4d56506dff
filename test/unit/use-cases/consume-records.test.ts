import { describe, expect, it } from 'vitest';
import { consumeRecords } from '../../../lambdas/core/use-cases/consume-records';
import type { ConsumedRecord, DeadLetter } from '../../../lambdas/core/use-cases/ports';

const record = (offset: number, key: string, value: Buffer | string): ConsumedRecord => ({
  topic: 'payment-events',
  partition: 0,
  offset,
  timestamp: 0,
  key: Buffer.from(key),
  value: Buffer.isBuffer(value) ? value : Buffer.from(value),
  headers: {},
});

function policy(letters: DeadLetter[], failDeadLetters = false) {
  return {
    consumer: 'test',
    maxAttempts: 3,
    retryBaseMs: 1,
    concurrency: 4,
    deadLetters: {
      send: async (letter: DeadLetter) => {
        if (failDeadLetters) throw new Error('queue down');
        letters.push(letter);
      },
    },
  };
}

describe('consumeRecords', () => {
  it('sidelines a record that fails every attempt and goes on with the rest', async () => {
    const letters: DeadLetter[] = [];
    const handled: number[] = [];
    const attempts = new Map<number, number>();
    await consumeRecords(
      [record(1, 'a', 'good'), record(2, 'b', Buffer.from([0xff, 0xfe])), record(3, 'b', 'good')],
      policy(letters),
      async (r) => {
        attempts.set(r.offset, (attempts.get(r.offset) ?? 0) + 1);
        if (r.offset === 2) throw new Error('poison');
        handled.push(r.offset);
      },
    );
    expect(handled.sort()).toEqual([1, 3]);
    expect(attempts.get(2)).toBe(3);
    expect(letters).toEqual([
      expect.objectContaining({
        offset: 2,
        attempts: 3,
        payload: '//4=',
        payloadEncoding: 'base64',
        lastError: 'Error: poison',
      }),
    ]);
  });

  it('fails the whole batch when the dead-letter queue cannot take the record', async () => {
    await expect(
      consumeRecords([record(1, 'a', 'x')], policy([], true), async () => {
        throw new Error('poison');
      }),
    ).rejects.toThrow('queue down');
  });

  it("handles one payment's records in order", async () => {
    const order: number[] = [];
    await consumeRecords(
      [record(1, 'a', 'x'), record(2, 'a', 'x'), record(3, 'a', 'x')],
      policy([]),
      async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 5 - r.offset));
        order.push(r.offset);
      },
    );
    expect(order).toEqual([1, 2, 3]);
  });
});
