import type { ClaimedOutboxBatch, EventPublisher } from './ports/outbox';

/**
 * Publishes a claimed batch in order and marks it published only after the broker's acknowledgement; on a
 * failed publish the claim is released with nothing marked. A crash between the two may publish an event
 * twice (consumers are idempotent by event id); it can never lose one.
 */
export async function relayClaimed(batch: ClaimedOutboxBatch, publisher: EventPublisher): Promise<number> {
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
