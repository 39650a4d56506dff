import type pg from 'pg';
import type { ParkedPayments, Parking } from '../../use-cases/ports/consumers';

/** Parked payments in PostgreSQL (`parked_payments`), read once per batch, written per dead letter. */
export function postgresParkedPayments(pool: () => Promise<pg.Pool>): ParkedPayments {
  return {
    async find(consumer, paymentIds) {
      const { rows } = await (await pool()).query<{
        payment_id: string;
        first_letter_id: string;
        kafka_partition: number;
        last_offset: string;
      }>(
        `SELECT payment_id, first_letter_id, kafka_partition, last_offset FROM parked_payments
         WHERE consumer = $1 AND payment_id = ANY($2::text[])`,
        [consumer, paymentIds],
      );
      return new Map<string, Parking>(
        rows.map((row) => [
          row.payment_id,
          {
            letterId: row.first_letter_id,
            partition: row.kafka_partition,
            lastOffset: Number(row.last_offset),
          },
        ]),
      );
    },
    async park(consumer, paymentId, parking) {
      await (await pool()).query(
        `INSERT INTO parked_payments (consumer, payment_id, first_letter_id, kafka_partition, last_offset)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (consumer, payment_id) DO UPDATE
           SET kafka_partition = EXCLUDED.kafka_partition,
               last_offset = GREATEST(parked_payments.last_offset, EXCLUDED.last_offset)`,
        [consumer, paymentId, parking.letterId, parking.partition, parking.lastOffset],
      );
    },
  };
}

/** What `aspay dlq redrive` does before a payment's letters go back on the topic. */
export async function unparkPayment(pool: pg.Pool, consumer: string, paymentId: string): Promise<void> {
  await pool.query('DELETE FROM parked_payments WHERE consumer = $1 AND payment_id = $2', [
    consumer,
    paymentId,
  ]);
}
