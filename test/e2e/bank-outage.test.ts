import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { logFileOf } from '../../localstack/src/support/processes';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { chargesFor, setBankOutage } from '../support/bank';

describe('a bank outage', () => {
  afterAll(() => setBankOutage(false));

  it('opens the breaker, keeps accepting payments, and completes each with one charge after recovery', async () => {
    const logBefore = readFileSync(logFileOf('runner'), 'utf8').length;
    await setBankOutage(true);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const created = await callApi('/v1/payments', { body: validPayment({ amount: `${10 + i}.00` }) });
      expect(created.status).toBe(202);
      ids.push(created.body.id);
    }
    for (const id of ids) await paymentSettledAs(id, ['PENDING']);
    await expect
      .poll(() => readFileSync(logFileOf('runner'), 'utf8').slice(logBefore), {
        timeout: 20_000,
        interval: 200,
      })
      .toContain('bank circuit breaker opened');
    for (const id of ids) expect((await callApi(`/v1/payments/${id}`)).body.status).toBe('PENDING');

    await setBankOutage(false);
    for (const id of ids) {
      const settled = await paymentSettledAs(id, ['SUCCESS', 'FAILED'], { timeoutMs: 30_000 });
      expect(settled.body.status).toBe('SUCCESS');
      expect(await chargesFor(id)).toHaveLength(1);
    }
  });
});
