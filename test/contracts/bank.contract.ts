import { describe, expect, it } from 'vitest';
import type { BankAlarm } from '../../lambdas/core/adapters/bank/bank-answers';
import type { Bank } from '../../lambdas/core/use-cases/ports/bank';
import { chargeRequest, refundRequest, usd } from '../support/bank-use-cases';
import { eventually } from '../support/eventually';

/** A call whose answer the connector loses to its time-out although the processor does the work. */
export interface LostAnswer {
  /** The source to charge with. */
  readonly source: string;
  /** Makes the processor's next answer (of the call under test) late; no-op where the source alone does it. */
  arm(): Promise<void>;
}

/** One processor with its connector, as the contract drives it. */
export interface ProcessorUnderContract {
  /** A fresh connector; `timeoutMs` and `maxAttempts` override the test timings for one behaviour. */
  connector(options?: { timeoutMs?: number; maxAttempts?: number }): { bank: Bank; alarms: BankAlarm[] };
  readonly sources: { readonly approved: string; readonly insufficientFunds: string };
  readonly chargeAnswerLost: LostAnswer;
  readonly refundAnswerLost: LostAnswer;
  /** A refund the processor refuses: of a charge with `source`, refunded in full first when said so. */
  readonly refundRefused: {
    readonly source: string;
    readonly refundedInFullFirst: boolean;
    readonly reason: string;
  };
  /** Refunds the processor decides later (pending, or failing after success), where it has them. */
  readonly laterRefunds?: {
    readonly pendingThenSucceeds: string;
    readonly failsLater: { readonly source: string; readonly reason: string };
    /** Makes the processor's later decisions now. */
    decide(): Promise<void>;
  };
  /** How many charges the processor made (approved) for a payment. */
  chargesFor(paymentId: string): Promise<number>;
  /** How many refunds the processor made (accepted) with a refund id. */
  refundsFor(refundId: string): Promise<number>;
}

const AMOUNT = usd('10.00');

/** Charges `source` and answers its charge id (the charge must be approved). */
async function approvedCharge(bank: Bank, source: string): Promise<string> {
  const charged = await bank.charge(chargeOf(source));
  if (charged.kind !== 'approved') throw new Error(`charge not approved: ${JSON.stringify(charged)}`);
  return charged.chargeId;
}

const chargeOf = (source: string) => chargeRequest(source, { amount: AMOUNT });
const refundOf = (chargeId: string, amount = AMOUNT) => refundRequest(chargeId, amount);

/** The behaviours every bank connector shares, whichever processor is behind it. */
export function bankContract(name: string, processor: ProcessorUnderContract) {
  describe(`the bank connector (${name})`, () => {
    it('approves a charge, once per payment, and the lookup finds it', async () => {
      const { bank, alarms } = processor.connector();
      const request = chargeOf(processor.sources.approved);

      const charged = await bank.charge(request);

      expect(charged).toEqual({ kind: 'approved', chargeId: expect.any(String) });
      expect(await bank.lookupCharge(request)).toEqual(charged);
      expect(await processor.chargesFor(request.paymentId)).toBe(1);
      expect(alarms).toEqual([]);
    });

    it("declines a charge with the processor's reason, and the lookup tells the same", async () => {
      const { bank, alarms } = processor.connector();
      const request = chargeOf(processor.sources.insufficientFunds);

      expect(await bank.charge(request)).toEqual({ kind: 'declined', reason: 'insufficient_funds' });
      expect(await bank.lookupCharge(request)).toEqual({ kind: 'declined', reason: 'insufficient_funds' });
      expect(await processor.chargesFor(request.paymentId)).toBe(0);
      expect(alarms).toEqual([]);
    });

    it('charges once for a reused idempotency key: the same charge again', async () => {
      const { bank } = processor.connector();
      const request = chargeOf(processor.sources.approved);

      const first = await bank.charge(request);
      const again = await bank.charge(request);

      expect(first.kind).toBe('approved');
      expect(again).toEqual(first);
      expect(await processor.chargesFor(request.paymentId)).toBe(1);
    });

    it('after a time-out, decides nothing, and the lookup finds the one charge the processor made', async () => {
      const { bank, alarms } = processor.connector({ timeoutMs: 500, maxAttempts: 1 });
      const request = chargeOf(processor.chargeAnswerLost.source);
      await processor.chargeAnswerLost.arm();

      expect((await bank.charge(request)).kind).toBe('unavailable');

      const found = await eventually(
        () => bank.lookupCharge(request),
        (lookup) => lookup.kind !== 'unavailable',
      );
      expect(found).toEqual({ kind: 'approved', chargeId: expect.any(String) });
      expect(await bank.lookupCharge(request)).toEqual(found);
      expect(await processor.chargesFor(request.paymentId)).toBe(1);
      expect(alarms).toEqual([]);
    });

    it('refunds a charge once per refund id, and the refund lookup finds it', async () => {
      const { bank, alarms } = processor.connector();
      const request = refundOf(await approvedCharge(bank, processor.sources.approved));

      const refunded = await bank.refund(request);

      expect(refunded).toEqual({ kind: 'refunded', bankRefundId: expect.any(String) });
      expect(await bank.refund(request)).toEqual(refunded);
      expect(await bank.lookupRefund(request)).toEqual(refunded);
      expect(await processor.refundsFor(request.refundId)).toBe(1);
      expect(alarms).toEqual([]);
    });

    it('rejects a refund the processor refuses, with its reason, and the lookup finds no refund made', async () => {
      const { bank, alarms } = processor.connector();
      const { source, refundedInFullFirst, reason } = processor.refundRefused;
      const chargeId = await approvedCharge(bank, source);
      if (refundedInFullFirst) expect((await bank.refund(refundOf(chargeId))).kind).toBe('refunded');
      const request = refundOf(chargeId);

      expect(await bank.refund(request)).toEqual({ kind: 'rejected', reason });

      expect([{ kind: 'rejected', reason }, { kind: 'not_found' }]).toContainEqual(
        await bank.lookupRefund(request),
      );
      expect(await processor.refundsFor(request.refundId)).toBe(0);
      expect(alarms).toEqual([]);
    });

    it('finds no refund for a refund id never sent', async () => {
      const { bank } = processor.connector();
      const chargeId = await approvedCharge(bank, processor.sources.approved);

      expect(await bank.lookupRefund(refundOf(chargeId))).toEqual({ kind: 'not_found' });
    });

    it('after a refund times out, decides nothing, and the refund lookup finds the one refund made', async () => {
      const chargeId = await approvedCharge(
        processor.connector({ timeoutMs: 10_000 }).bank,
        processor.refundAnswerLost.source,
      );
      const { bank, alarms } = processor.connector({ timeoutMs: 500, maxAttempts: 1 });
      const request = refundOf(chargeId);
      await processor.refundAnswerLost.arm();

      expect((await bank.refund(request)).kind).toBe('unavailable');

      const found = await eventually(
        () => bank.lookupRefund(request),
        (lookup) => lookup.kind !== 'unavailable',
      );
      expect(found).toEqual({ kind: 'refunded', bankRefundId: expect.any(String) });
      expect(await processor.refundsFor(request.refundId)).toBe(1);
      expect(alarms).toEqual([]);
    });

    // Only a processor that decides refunds later gets these (the HTTP bank answers every refund at once).
    const later = processor.laterRefunds;
    if (later)
      describe('a refund the processor decides later', () => {
        it('is refunded while pending, and stays refunded once it succeeds', async () => {
          const { bank } = processor.connector();
          const request = refundOf(await approvedCharge(bank, later.pendingThenSucceeds));

          const refunded = await bank.refund(request);
          expect(refunded).toEqual({ kind: 'refunded', bankRefundId: expect.any(String) });
          expect(await bank.lookupRefund(request)).toEqual(refunded);

          await later.decide();

          expect(await bank.lookupRefund(request)).toEqual(refunded);
        });

        it('is refunded when accepted, and looked up as rejected once it fails', async () => {
          const { bank } = processor.connector();
          const request = refundOf(await approvedCharge(bank, later.failsLater.source));

          expect((await bank.refund(request)).kind).toBe('refunded');

          await later.decide();

          expect(await bank.lookupRefund(request)).toEqual({
            kind: 'rejected',
            reason: later.failsLater.reason,
          });
        });
      });
  });
}
