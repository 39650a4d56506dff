import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logFileOf } from '../../localstack/src/support/processes';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { chargesFor } from '../support/bank';
import { testDatabase } from '../support/database';
import { eventually } from '../support/eventually';

const db = testDatabase();

const attemptsOf = (paymentId: string) =>
  db.query<{ status: string; bank_attempts: number }>(
    'SELECT status, bank_attempts FROM payments WHERE id = $1',
    [paymentId],
  );

describe('the bank contract, end to end against the simulator', () => {
  it('fails a payment the bank declines with a reason (422), for good and without a charge', async () => {
    const created = await callApi('/v1/payments', {
      body: validPayment({ source: 'tok_insufficient_funds' }),
    });

    const settled = await paymentSettledAs(created.body.id, ['SUCCESS', 'FAILED']);

    expect(settled.body).toMatchObject({ status: 'FAILED', failureReason: 'insufficient_funds' });
    expect(await chargesFor(created.body.id)).toHaveLength(0);
  });

  it.each([
    ['tok_status_401', 'credentials'],
    ['tok_status_403', 'credentials'],
    ['tok_status_400', 'contract'],
    ['tok_status_404', 'contract'],
  ])(
    'never fails a payment on %s: it stays PENDING and the error is logged for an operator',
    async (source, answerClass) => {
      const logBefore = readFileSync(logFileOf('runner'), 'utf8').length;
      const created = await callApi('/v1/payments', { body: validPayment({ source }) });

      const retried = await eventually(
        () => attemptsOf(created.body.id),
        (result) => (result.rows[0]?.bank_attempts ?? 0) >= 2,
      );

      expect(retried.rows[0]?.status).toBe('PENDING');
      const logged = readFileSync(logFileOf('runner'), 'utf8').slice(logBefore);
      expect(logged).toContain('bank answer needs an operator');
      expect(logged).toContain(`"answerClass":"${answerClass}"`);
    },
  );

  it.each(['tok_status_408', 'tok_status_429'])(
    'retries a payment the bank answers %s, and leaves it PENDING',
    async (source) => {
      const created = await callApi('/v1/payments', { body: validPayment({ source }) });

      const retried = await eventually(
        () => attemptsOf(created.body.id),
        (result) => (result.rows[0]?.bank_attempts ?? 0) >= 2,
      );

      expect(retried.rows[0]?.status).toBe('PENDING');
    },
  );
});
