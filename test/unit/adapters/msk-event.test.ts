import { readFileSync } from 'node:fs';
import type { MSKEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { consumedRecords, mskEventFor } from '../../../lambdas/core/adapters/kafka/msk-event';
import { readEvent } from '../../../lambdas/core/domain/events';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/msk-event.json', import.meta.url), 'utf8'),
) as MSKEvent;

describe('MSK events', () => {
  it('decodes the captured MSK event into records the consumers read', () => {
    const [record] = consumedRecords(fixture);
    expect(record).toMatchObject({ topic: 'payment-events', partition: 3, offset: 15 });
    expect(record?.key?.toString()).toBe('5f0c8a8e-2b8e-4d59-9a0e-3c7d1b2f4e61');
    expect(record?.headers).toEqual({
      'event-type': 'payment.initiated',
      'event-id': '0b6f6f4e-7d1c-4a8e-9f57-2f1c3f1d6a10',
    });
    const read = readEvent(JSON.parse(record?.value.toString('utf8') ?? ''));
    expect(read).toMatchObject({
      kind: 'event',
      event: { type: 'payment.initiated', data: { amount: '25.00' } },
    });
  });

  it('builds, for the local runner, an event of the same shape as the captured one', () => {
    const [original] = consumedRecords(fixture);
    const built = mskEventFor(
      {
        topic: 'payment-events',
        partition: 3,
        messages: [
          {
            offset: '15',
            timestamp: String(original?.timestamp),
            key: original?.key ?? null,
            value: original?.value ?? null,
            headers: { ...original?.headers },
          },
        ],
      },
      { eventSourceArn: fixture.eventSourceArn, bootstrapServers: fixture.bootstrapServers },
    );
    expect(built).toEqual(fixture);
  });
});
