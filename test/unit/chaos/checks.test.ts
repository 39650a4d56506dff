import { describe, expect, it } from 'vitest';
import { checkRun, type Evidence, resentNotices } from '../../../chaos/checks';
import type { PaymentOutcome } from '../../../chaos/load';
import { type PaymentKind, PROCESSOR_SOURCES } from '../../../chaos/plan';
import { messageIdOf } from '../../../lambdas/core/use-cases/send-receipt';

const PAID = '00000000-0000-4000-8000-000000000001';
const DECLINED = '00000000-0000-4000-8000-000000000002';
const SUCCEEDED_EVENT = '00000000-0000-4000-8000-0000000000e1';
const FAILED_EVENT = '00000000-0000-4000-8000-0000000000e2';

function outcome(index: number, kind: PaymentKind, answeredIds: string[]): PaymentOutcome {
  return {
    planned: {
      index,
      atMs: 0,
      merchant: 0,
      kind,
      source: PROCESSOR_SOURCES.simulator[kind] ?? '',
      amount: '10.00',
      doubleClick: false,
    },
    merchantId: 'mer_demo_acme',
    idempotencyKey: `key-${index}`,
    answeredIds,
    accepted: answeredIds.length > 0,
  };
}

/** A run of two payments where every promise held. */
function cleanEvidence(): Evidence {
  return {
    payments: [
      { id: PAID, idempotency_key: 'key-0', status: 'SUCCESS', source: 'tok_success' },
      { id: DECLINED, idempotency_key: 'key-1', status: 'FAILED', source: 'tok_decline' },
    ],
    refunds: [],
    entries: [{ payment_id: PAID, kind: 'payment', event_id: SUCCEEDED_EVENT }],
    postingFailures: [],
    finalEvents: [
      { event_id: SUCCEEDED_EVENT, event_type: 'payment.succeeded', aggregate_id: PAID, published: true },
      { event_id: FAILED_EVENT, event_type: 'payment.failed', aggregate_id: DECLINED, published: true },
    ],
    deliveryRecords: [
      { event_id: SUCCEEDED_EVENT, status: 'delivered', attempts: 1, unanswered_attempts: 0 },
      { event_id: FAILED_EVENT, status: 'delivered', attempts: 1, unanswered_attempts: 0 },
    ],
    bankCharges: [{ reference: PAID }],
    bankRefunds: [],
    sinkDeliveries: [
      { eventId: SUCCEEDED_EVENT, answered: 204 },
      { eventId: FAILED_EVENT, answered: 204 },
    ],
    receiptRecords: [
      { event_id: SUCCEEDED_EVENT, status: 'sent', attempts: 1 },
      { event_id: FAILED_EVENT, status: 'sent', attempts: 1 },
    ],
    caughtReceipts: [messageIdOf({ eventId: SUCCEEDED_EVENT }), messageIdOf({ eventId: FAILED_EVENT })],
    ledgerVerify: { ok: true, broken: [] },
    newDeadLetters: [],
  };
}

const outcomes = [outcome(0, 'success', [PAID]), outcome(1, 'decline', [DECLINED])];
const checksOf = (evidence: Evidence, run = outcomes) => checkRun(run, evidence).map((found) => found.check);

describe('the chaos checks', () => {
  it('find nothing when every payment is final, charged, posted and notified once', () => {
    expect(checkRun(outcomes, cleanEvidence())).toEqual([]);
  });

  it('name a missing receipt, and a second one its record does not count as a second attempt', () => {
    const missing = cleanEvidence();
    missing.caughtReceipts = [messageIdOf({ eventId: SUCCEEDED_EVENT })];
    expect(checksOf(missing)).toEqual(['receipts']);
    const twice = cleanEvidence();
    twice.caughtReceipts.push(messageIdOf({ eventId: SUCCEEDED_EVENT }));
    expect(checksOf(twice)).toEqual(['doubled']);
    const resentAfterACrash = cleanEvidence();
    resentAfterACrash.caughtReceipts.push(messageIdOf({ eventId: SUCCEEDED_EVENT }));
    (resentAfterACrash.receiptRecords[0] as Evidence['receiptRecords'][number]).attempts = 2;
    expect(checksOf(resentAfterACrash)).toEqual([]);
  });

  it('name an accepted payment that is not in the database as lost', () => {
    const evidence = cleanEvidence();
    evidence.payments = evidence.payments.filter((payment) => payment.id !== DECLINED);
    evidence.finalEvents = evidence.finalEvents.filter((event) => event.aggregate_id !== DECLINED);
    expect(checksOf(evidence)).toEqual(['lost']);
  });

  it('name a second charge, a second posting, a second notice and two answers to one key as doubled', () => {
    const evidence = cleanEvidence();
    evidence.bankCharges.push({ reference: PAID });
    evidence.entries.push({ payment_id: PAID, kind: 'payment', event_id: FAILED_EVENT });
    evidence.sinkDeliveries.push({ eventId: SUCCEEDED_EVENT, answered: 204 });
    const doubleClick = [outcome(0, 'success', [PAID, DECLINED]), outcomes[1] as PaymentOutcome];
    expect(checksOf(evidence, doubleClick)).toEqual(['doubled', 'doubled', 'doubled', 'doubled']);
  });

  it('name a payment left PENDING as stranded, the bank-error token too (it is failed after the attempt limit)', () => {
    const evidence = cleanEvidence();
    const payment = evidence.payments[0] as Evidence['payments'][number];
    payment.status = 'PENDING';
    evidence.bankCharges = [];
    evidence.entries = [];
    evidence.finalEvents = evidence.finalEvents.filter((event) => event.aggregate_id !== PAID);
    const bankError = [outcome(0, 'bankError', [PAID]), outcomes[1] as PaymentOutcome];
    expect(checksOf(evidence)).toEqual(['stranded']);
    expect(checksOf(evidence, bankError)).toEqual(['stranded']);
    payment.status = 'FAILED';
    expect(checksOf(evidence, bankError)).toEqual([]);
  });

  it('accept a bank error reconciled as FAILED after the attempt limit, but name a charge for it', () => {
    const evidence = cleanEvidence();
    (evidence.payments[0] as Evidence['payments'][number]).status = 'FAILED';
    evidence.bankCharges = [];
    evidence.entries = [];
    const run = [outcome(0, 'bankError', [PAID]), outcomes[1] as PaymentOutcome];
    expect(checksOf(evidence, run)).toEqual([]);
    evidence.bankCharges = [{ reference: PAID }];
    expect(checksOf(evidence, run)).toEqual(['doubled']);
  });

  it('name a notice that never reached the merchant and a readable event in the dead-letter queue', () => {
    const evidence = cleanEvidence();
    evidence.sinkDeliveries = [
      { eventId: FAILED_EVENT, answered: 204 },
      { eventId: SUCCEEDED_EVENT, answered: 503 },
    ];
    evidence.newDeadLetters = [{ id: 'letter-1', kind: 'record', readablePaymentIds: [PAID] }];
    expect(checksOf(evidence)).toEqual(['notices', 'false-dead-letter']);
  });

  it('tell a notice resent after an unanswered attempt from one sent twice by two holders', () => {
    const evidence = cleanEvidence();
    evidence.sinkDeliveries.push({ eventId: SUCCEEDED_EVENT, answered: 204 });
    // Two receipts, one attempt in the record: two holders sent it at once.
    expect(checksOf(evidence)).toEqual(['doubled']);
    expect(resentNotices(evidence)).toEqual([]);

    // The record shows the first attempt's answer never came: the resend is at-least-once delivery.
    evidence.deliveryRecords[0] = {
      event_id: SUCCEEDED_EVENT,
      status: 'delivered',
      attempts: 2,
      unanswered_attempts: 1,
    };
    expect(checksOf(evidence)).toEqual([]);
    expect(resentNotices(evidence)).toEqual([{ eventId: SUCCEEDED_EVENT, received: 2, unanswered: 1 }]);

    // A third receipt is more than that one unanswered attempt explains.
    evidence.sinkDeliveries.push({ eventId: SUCCEEDED_EVENT, answered: 204 });
    expect(checksOf(evidence)).toEqual(['doubled']);
    expect(resentNotices(evidence)).toEqual([]);
  });

  it('let a poison pill in the dead-letter queue pass', () => {
    const evidence = cleanEvidence();
    evidence.newDeadLetters = [{ id: 'pill', kind: 'record', readablePaymentIds: [] }];
    expect(checksOf(evidence)).toEqual([]);
  });

  it('name a refund never executed at the bank, and a broken ledger invariant', () => {
    const evidence = cleanEvidence();
    evidence.refunds = [
      { id: 'refund-1', payment_id: PAID, idempotency_key: 'r', status: 'PENDING', failure_reason: null },
    ];
    evidence.ledgerVerify = { ok: false, broken: ['every entry is balanced, in one currency'] };
    expect(checksOf(evidence)).toEqual(['stranded', 'ledger-verify']);
  });

  it('name a refund given up during a fault, and an executed refund the ledger did not reverse', () => {
    const evidence = cleanEvidence();
    evidence.refunds = [
      {
        id: 'refund-1',
        payment_id: PAID,
        idempotency_key: 'r1',
        status: 'FAILED',
        failure_reason: 'gave up',
      },
    ];
    expect(checksOf(evidence)).toEqual(['wrong-outcome']);
    evidence.refunds = [
      { id: 'refund-2', payment_id: PAID, idempotency_key: 'r2', status: 'EXECUTED', failure_reason: null },
    ];
    evidence.bankRefunds = [{ idempotencyKey: 'refund-2' }];
    expect(checksOf(evidence)).toEqual(['ledger-postings']);
  });
});
