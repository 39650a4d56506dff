import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { privateBankSimulator, testHttpBank } from '../../support/bank-simulator';
import { chargeRequest, refundRequest, usd } from '../../support/bank-use-cases';

const url = await privateBankSimulator();

const charge = (source: string, paymentId = randomUUID()) => chargeRequest(source, { paymentId });

describe('the HTTP bank connector', () => {
  it("approves and declines only on the bank's definite answers", async () => {
    const { bank, alarms } = testHttpBank(url);
    expect(await bank.charge(charge('tok_success'))).toMatchObject({ kind: 'approved' });
    expect(await bank.charge(charge('tok_decline'))).toEqual({ kind: 'declined', reason: 'card_declined' });
    expect(await bank.charge(charge('tok_insufficient_funds'))).toEqual({
      kind: 'declined',
      reason: 'insufficient_funds',
    });
    expect(alarms).toEqual([]);
  });

  it.each([
    ['401', 'credentials'],
    ['403', 'credentials'],
    ['400', 'contract'],
    ['404', 'contract'],
    ['409', 'contract'],
    ['422', 'contract'],
  ])('leaves a payment undecided on %s and raises a %s alarm', async (status, answerClass) => {
    const { bank, alarms } = testHttpBank(url);
    const outcome = await bank.charge(charge(`tok_status_${status}`));
    expect(outcome.kind).toBe('unavailable');
    expect(alarms).toEqual([
      expect.objectContaining({ operation: 'charge', status: Number(status), answerClass }),
    ]);
  });

  it.each(['408', '425', '429', '503'])(
    'retries %s and then reports the bank unavailable, without an alarm',
    async (status) => {
      const { bank, alarms } = testHttpBank(url, { ASPAY_BANK_MAX_ATTEMPTS: '2' });
      expect(await bank.charge(charge(`tok_status_${status}`))).toEqual({
        kind: 'unavailable',
        reason: `bank answered ${status}`,
      });
      expect(alarms).toEqual([]);
    },
  );

  it('takes a 409 "idempotency key in use" as no decision while the first call runs', async () => {
    const slowUrl = await privateBankSimulator(400);
    const { bank, alarms } = testHttpBank(slowUrl);
    const paymentId = randomUUID();
    const [first, second] = await Promise.all([
      bank.charge(charge('tok_success', paymentId)),
      new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
        bank.charge(charge('tok_success', paymentId)),
      ),
    ]);
    expect(first).toMatchObject({ kind: 'approved' });
    expect(second).toEqual({ kind: 'unavailable', reason: 'bank answered 409 (idempotency_key_in_use)' });
    expect(alarms).toEqual([]);
  });

  it('looks a charge up by its idempotency key: approved, declined, or never made', async () => {
    const { bank } = testHttpBank(url);
    const approved = randomUUID();
    const declined = randomUUID();
    const lost = randomUUID();
    const charged = await bank.charge(charge('tok_success', approved));
    await bank.charge(charge('tok_decline', declined));
    expect(await bank.charge(charge('tok_answer_lost', lost))).toMatchObject({ kind: 'unavailable' });

    expect(await bank.lookupCharge(charge('tok_success', approved))).toEqual(charged);
    expect(await bank.lookupCharge(charge('tok_decline', declined))).toEqual({
      kind: 'declined',
      reason: 'card_declined',
    });
    expect(await bank.lookupCharge(charge('tok_answer_lost', lost))).toMatchObject({ kind: 'approved' });
    expect(await bank.lookupCharge(charge('tok_success'))).toEqual({ kind: 'not_found' });
  });

  it('refunds, and takes a refund the bank declines as rejected', async () => {
    const { bank } = testHttpBank(url);
    const refundOf = async (source: string) => {
      const charged = await bank.charge(charge(source));
      if (charged.kind !== 'approved') throw new Error(`not approved: ${charged.kind}`);
      return bank.refund(refundRequest(charged.chargeId, usd('10.00')));
    };
    expect(await refundOf('tok_success')).toMatchObject({ kind: 'refunded' });
    expect(await refundOf('tok_refund_rejected')).toEqual({ kind: 'rejected', reason: 'refund_rejected' });
    expect(await refundOf('tok_refund_error')).toMatchObject({ kind: 'unavailable' });
  });
});
