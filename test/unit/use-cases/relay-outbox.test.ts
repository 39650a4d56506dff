import { describe, expect, it } from 'vitest';
import type {
  ClaimedOutboxBatch,
  EventPublisher,
  Outbox,
} from '../../../lambdas/core/use-cases/ports/outbox';
import { relayClaimed } from '../../../lambdas/core/use-cases/relay-outbox';

function outboxWith(events: ClaimedOutboxBatch['events']) {
  const calls: string[] = [];
  const outbox: Outbox = {
    claim: async () => ({
      events,
      markPublished: async () => {
        calls.push('mark');
      },
      release: async () => {
        calls.push('release');
      },
    }),
    lagSeconds: async () => 0,
    prunePublished: async () => 0,
  };
  return { outbox, calls };
}

const event = { outboxId: '1', eventId: 'e1', type: 'payment.initiated', key: 'p1', value: '{}' };

describe('relayClaimed', () => {
  it('marks events published only after the publisher resolved', async () => {
    const { outbox, calls } = outboxWith([event]);
    const publisher: EventPublisher = {
      publish: async () => {
        calls.push('publish');
      },
    };
    await expect(relayClaimed(await outbox.claim(10), publisher)).resolves.toBe(1);
    expect(calls).toEqual(['publish', 'mark']);
  });

  it('releases the claim without marking when publishing fails', async () => {
    const { outbox, calls } = outboxWith([event]);
    const publisher: EventPublisher = {
      publish: async () => {
        throw new Error('broker down');
      },
    };
    await expect(relayClaimed(await outbox.claim(10), publisher)).rejects.toThrow('broker down');
    expect(calls).toEqual(['release']);
  });
});
