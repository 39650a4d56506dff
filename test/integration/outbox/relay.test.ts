import { describe, expect, it } from 'vitest';
import { kafkaEventPublisher } from '../../../lambdas/core/adapters/kafka/event-publisher';
import { postgresOutbox } from '../../../lambdas/core/adapters/postgres/outbox';
import { CONSUMERS, PAYMENT_EVENTS_TOPIC } from '../../../lambdas/core/config/messaging';
import { relayClaimed } from '../../../lambdas/core/use-cases/relay-outbox';
import { callApi, paymentSettledAs, validPayment } from '../../support/api-client';
import { chargesFor } from '../../support/bank';
import { testDatabase } from '../../support/database';
import { eventually } from '../../support/eventually';
import { consumerCaughtUp, eventsOnTopic, testKafka } from '../../support/kafka';

const db = testDatabase();
const kafka = testKafka();

describe('the outbox relay', () => {
  it('loses nothing when killed between the broker ack and the mark, and the duplicate changes nothing', async () => {
    const { body } = await callApi('/v1/payments', { body: validPayment() });
    await paymentSettledAs(body.id, ['SUCCESS']);
    const before = await db.query('SELECT version FROM payments WHERE id = $1', [body.id]);

    // Exactly what a relay killed after publishing and before marking leaves behind: published, unmarked rows.
    await db.query('UPDATE outbox SET published_at = NULL WHERE aggregate_id = $1', [body.id]);
    await eventually(
      () =>
        db.query('SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND published_at IS NULL', [
          body.id,
        ]),
      (result) => result.rows[0].n === 0,
    );
    await consumerCaughtUp(kafka, CONSUMERS.bankProcessor.groupId);

    const after = await callApi(`/v1/payments/${body.id}`);
    expect(after.body.status).toBe('SUCCESS');
    expect(after.body.history).toHaveLength(3);
    expect(await chargesFor(body.id)).toHaveLength(1);
    const unchanged = await db.query('SELECT version FROM payments WHERE id = $1', [body.id]);
    expect(unchanged.rows[0].version).toBe(before.rows[0].version);
  });

  it("keeps each payment's events in order with several relays running at once", async () => {
    const pool = db;
    const publisher = kafkaEventPublisher(kafka, PAYMENT_EVENTS_TOPIC.name);
    let relaying = true;
    const extraRelay = async () => {
      while (relaying) await relayClaimed(await postgresOutbox(pool).claim(5), publisher);
    };
    const relays = [extraRelay(), extraRelay()];
    try {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++)
        ids.push((await callApi('/v1/payments', { body: validPayment() })).body.id);
      for (const id of ids) await paymentSettledAs(id, ['SUCCESS']);

      const seen = await eventsOnTopic(kafka, new Set(ids), ids.length * 2);
      for (const id of ids) {
        const firstSightings = [
          ...new Map(seen.filter((event) => event.paymentId === id).map((e) => [e.eventId, e.type])).values(),
        ];
        expect(firstSightings).toEqual(['payment.initiated', 'payment.succeeded']);
      }
    } finally {
      relaying = false;
      await Promise.all(relays);
      await publisher.close();
    }
  });
});
