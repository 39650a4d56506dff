import type { EventPublisher, Outbox } from './ports/outbox';

/**
 * One relay pass: claims the payments with the oldest unpublished events, publishes their events in order
 * and marks them published only after the broker's acknowledgement. A crash between the two may publish an
 * event twice (consumers are idempotent by event id); it can never lose one.
 */
export async function relayOutboxOnce(
  outbox: Outbox,
  publisher: EventPublisher,
  maxPayments: number,
): Promise<number> {
  const batch = await outbox.claim(maxPayments);
  if (batch.events.length === 0) {
    await batch.release();
    return 0;
  }
  try {
    await publisher.publish(batch.events);
  } catch (error) {
    await batch.release();
    throw error;
  }
  await batch.markPublished();
  return batch.events.length;
}
