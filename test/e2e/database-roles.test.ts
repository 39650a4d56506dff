import { describe, expect, it } from 'vitest';
import { DATABASE_ROLES } from '../../lambdas/core/config/database-roles';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { testDatabase } from '../support/database';
import { eventually } from '../support/eventually';

const db = testDatabase();

/**
 * The roles the local stack's processes (the local API and the event runner) log in as for a payment; create-merchant
 * runs in neither, and processor-events only connects when a processor posts an event (test/e2e/stripe-processor).
 */
const SERVED_ROLES = Object.entries(DATABASE_ROLES)
  .filter(([kind]) => kind !== 'onboarding' && kind !== 'processorEvents')
  .map(([, role]) => role.name)
  .sort();

describe('the local stack', () => {
  it('runs each function kind under its own database role', async () => {
    const created = await callApi('/v1/payments', { body: validPayment({ source: 'tok_success' }) });
    expect(created.status).toBe(202);
    await paymentSettledAs(created.body.id, ['SUCCESS']);
    // The ledger posts and the notifier delivers after SUCCESS; their pools then stay open (idle) for 30 s.
    await eventually(
      async () =>
        (
          await db.query(
            `SELECT (SELECT count(*) FROM ledger.journal_entries WHERE payment_id = $1)
                  + (SELECT count(*) FROM webhook_deliveries WHERE payment_id = $1 AND status = 'delivered') AS done`,
            [created.body.id],
          )
        ).rows[0].done,
      (done) => Number(done) === 2,
    );
    const sessions = await db.query<{ usename: string }>(
      'SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND usename = ANY($1)',
      [SERVED_ROLES],
    );
    expect(sessions.rows.map((row) => row.usename).sort()).toEqual(SERVED_ROLES);
  });
});
