import { mskEventFor } from '../../lambdas/core/adapters/kafka/msk-event';
import type { EventEnvelope } from '../../lambdas/core/domain/events';

/** An MSK event, as the event source mapping delivers it, carrying one payment event at offset 0. */
export function mskEventCarrying(topic: string, event: EventEnvelope) {
  return mskEventFor(
    {
      topic,
      partition: 0,
      messages: [
        {
          offset: '0',
          timestamp: String(Date.now()),
          key: Buffer.from(event.paymentId),
          value: Buffer.from(JSON.stringify(event)),
        },
      ],
    },
    {
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/aspay-local/local',
      bootstrapServers: '',
    },
  );
}
