import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { privateBankSimulator } from '../../support/bank-simulator';

const url = await privateBankSimulator();

const post = (path: string, body: unknown, key?: string) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });

const hold = async (kind: string, enabled: boolean) => (await post('/admin/hold', { kind, enabled })).json();

const charge = () =>
  post(
    '/v1/charges',
    { source: 'tok_success', amount: '10.00', currency: 'USD', reference: 'r' },
    randomUUID(),
  );

/** Whether `answer` is still pending after `ms`. */
const unanswered = async (answer: Promise<unknown>, ms: number) =>
  (await Promise.race([answer.then(() => 'answered'), sleep(ms).then(() => 'pending')])) === 'pending';

describe("the bank simulator's hold switch", () => {
  it('keeps the answers of held charges until they are released, then answers them as usual', async () => {
    expect(await hold('charges', true)).toEqual({ kind: 'charges', held: true });
    const answer = charge();
    expect(await unanswered(answer, 300)).toBe(true);
    expect(await hold('charges', false)).toEqual({ kind: 'charges', held: false });
    expect((await answer).status).toBe(201);
  });

  it('holds refunds without holding charges', async () => {
    await hold('refunds', true);
    try {
      const charged = await charge();
      expect(charged.status).toBe(201);
      const { chargeId } = (await charged.json()) as { chargeId: string };
      const refund = post(`/v1/charges/${chargeId}/refunds`, { amount: '10.00' }, randomUUID());
      expect(await unanswered(refund, 300)).toBe(true);
      await hold('refunds', false);
      expect((await refund).status).toBe(201);
    } finally {
      await hold('refunds', false);
    }
  });

  it('refuses a kind it does not know', async () => {
    expect((await post('/admin/hold', { kind: 'lookups', enabled: true })).status).toBe(400);
  });
});
