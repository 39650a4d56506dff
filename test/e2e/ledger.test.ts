import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONSUMERS } from '../../lambdas/core/config/messaging';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { consumerCaughtUp, testKafka } from '../support/kafka';
import { aspayJson } from '../support/run-script';
import { deliveriesTo } from '../support/webhooks';

const db = testDatabase();
const kafka = testKafka();

const entriesOf = (paymentId: string) =>
  db.query(
    `SELECT e.kind, json_agg(json_build_object('account', p.account_id, 'direction', p.direction, 'amount', p.amount::text)
              ORDER BY p.direction DESC) AS postings
     FROM ledger.journal_entries e JOIN ledger.postings p ON p.entry_id = e.id
     WHERE e.payment_id = $1 GROUP BY e.id, e.kind, e.posted_at ORDER BY e.posted_at`,
    [paymentId],
  );

describe('the ledger', () => {
  it('posts one balanced entry for a SUCCESS payment and a reversal for its refund', async () => {
    const merchant = await createTestMerchant(db);
    const created = await callApi('/v1/payments', {
      apiKey: merchant.apiKey,
      body: validPayment({ amount: '40.00' }),
    });
    await paymentSettledAs(created.body.id, ['SUCCESS'], { apiKey: merchant.apiKey });
    const posted = await eventually(
      () => entriesOf(created.body.id),
      (result) => result.rows.length === 1,
    );
    expect(posted.rows[0]).toEqual({
      kind: 'payment',
      postings: [
        { account: 'customer_funds:test:USD', direction: 'debit', amount: '40.0000' },
        { account: `merchant_payable:${merchant.id}:test:USD`, direction: 'credit', amount: '40.0000' },
      ],
    });
    expect((await callApi('/v1/balance', { apiKey: merchant.apiKey })).body).toEqual({
      object: 'balance',
      merchantId: merchant.id,
      livemode: false,
      payable: [{ currency: 'USD', amount: '40.00' }],
    });

    await callApi(`/v1/payments/${created.body.id}/refunds`, {
      apiKey: merchant.apiKey,
      body: { amount: '15.00' },
    });
    const reversed = await eventually(
      () => entriesOf(created.body.id),
      (result) => result.rows.length === 2,
    );
    expect(reversed.rows[1]).toEqual({
      kind: 'refund',
      postings: [
        { account: `merchant_payable:${merchant.id}:test:USD`, direction: 'debit', amount: '15.0000' },
        { account: 'customer_funds:test:USD', direction: 'credit', amount: '15.0000' },
      ],
    });
    expect((await callApi('/v1/balance', { apiKey: merchant.apiKey })).body.payable).toEqual([
      { currency: 'USD', amount: '25.00' },
    ]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of journal rows', async () => {
    await expect(
      db.query('UPDATE ledger.postings SET amount = amount WHERE id = (SELECT min(id) FROM ledger.postings)'),
    ).rejects.toThrow('the ledger is append-only');
    await expect(db.query('DELETE FROM ledger.journal_entries WHERE posted_at < now()')).rejects.toThrow(
      'the ledger is append-only',
    );
    await expect(db.query('TRUNCATE ledger.postings, ledger.journal_entries')).rejects.toThrow(
      'the ledger is append-only',
    );
  });

  it('refuses an unbalanced entry when its transaction commits', async () => {
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      const entry = randomUUID();
      await client.query(
        `INSERT INTO ledger.journal_entries (id, event_id, kind, payment_id, merchant_id, mode, currency, description)
         VALUES ($1, $2, 'payment', $3, 'mer_demo_acme', 'test', 'USD', 'unbalanced on purpose')`,
        [entry, randomUUID(), randomUUID()],
      );
      await client.query(
        "INSERT INTO ledger.postings (entry_id, account_id, direction, amount, currency) VALUES ($1, 'customer_funds:test:USD', 'debit', 10, 'USD')",
        [entry],
      );
      await expect(client.query('COMMIT')).rejects.toThrow(/journal entry .* is unbalanced/);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  });

  it('changes nothing when every event is delivered twice more', async () => {
    const merchant = await createTestMerchant(db);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() })).body.id);
    for (const id of ids) await paymentSettledAs(id, ['SUCCESS'], { apiKey: merchant.apiKey });
    await callApi(`/v1/payments/${ids[0]}/refunds`, { apiKey: merchant.apiKey, body: {} });
    await eventually(
      () => deliveriesTo(merchant.id),
      // Three receipts, the refund's notice and its execution's.
      (received) => received.length === 5,
    );

    for (let round = 0; round < 2; round++) {
      await db.query('UPDATE outbox SET published_at = NULL WHERE aggregate_id = ANY($1::uuid[])', [ids]);
      await eventually(
        () =>
          db.query(
            'SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = ANY($1::uuid[]) AND published_at IS NULL',
            [ids],
          ),
        (result) => result.rows[0].n === 0,
      );
      await consumerCaughtUp(kafka, CONSUMERS.ledger.groupId);
      await consumerCaughtUp(kafka, CONSUMERS.notifier.groupId);
    }

    const entries = await db.query(
      'SELECT payment_id, kind, count(*)::int AS n FROM ledger.journal_entries WHERE payment_id = ANY($1::uuid[]) GROUP BY 1, 2',
      [ids],
    );
    expect(entries.rows.every((row) => row.n === 1)).toBe(true);
    expect(entries.rows).toHaveLength(4);
    const delivered = await deliveriesTo(merchant.id);
    expect(delivered).toHaveLength(5);
    expect(new Set(delivered.map((delivery) => JSON.parse(delivery.rawBody).id)).size).toBe(5);
  });

  it('stays verified under concurrent load', async () => {
    const merchant = await createTestMerchant(db);
    const created = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        callApi('/v1/payments', {
          apiKey: merchant.apiKey,
          body: validPayment({ amount: `${i + 1}.25`, source: i % 4 === 0 ? 'tok_decline' : 'tok_success' }),
        }),
      ),
    );
    const settled = await Promise.all(
      created.map((response) =>
        paymentSettledAs(response.body.id, ['SUCCESS', 'FAILED'], { apiKey: merchant.apiKey }),
      ),
    );
    await Promise.all(
      settled
        .filter((response) => response.body.status === 'SUCCESS')
        .map((response) =>
          callApi(`/v1/payments/${response.body.id}/refunds`, {
            apiKey: merchant.apiKey,
            body: { amount: '1.00' },
          }),
        ),
    );
    const verified = await eventually(
      () => aspayJson('ledger', 'verify'),
      (result) => result.code === 0,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(verified.json.ok).toBe(true);
  });
});
