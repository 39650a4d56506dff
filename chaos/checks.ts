import type pg from 'pg';
import { verifyLedger } from '../cli/commands/ledger';
import { RECEIPT_EVENTS } from '../lambdas/core/domain/receipts';
import { NOTIFIED_EVENTS } from '../lambdas/core/use-cases/notify-merchant';
import { messageIdOf } from '../lambdas/core/use-cases/send-receipt';
import { getJson } from './control-http';
import type { ClassifiedLetter } from './dead-letters';
import { CHAOS_CUSTOMER, type PaymentOutcome } from './load';
import type { PaymentKind } from './plan';
import type { ChaosProcessor } from './processor';

/** One broken promise, named by the check that found it. */
export interface Violation {
  check:
    | 'lost'
    | 'doubled'
    | 'stranded'
    | 'wrong-outcome'
    | 'bank-charges'
    | 'ledger-postings'
    | 'ledger-verify'
    | 'notices'
    | 'receipts'
    | 'false-dead-letter'
    | 'outbox-not-drained'
    | 'not-quiet'
    | 'not-recovered'
    | 'slow-recovery'
    | 'expired-claim'
    | 'survived-local-down'
    | 'crashed';
  subject: string;
  detail: string;
}

/** Everything the checks read, straight from the database, the processor's book and the webhook sink. */
export interface Evidence {
  payments: { id: string; idempotency_key: string; status: string; source: string }[];
  refunds: {
    id: string;
    payment_id: string;
    idempotency_key: string;
    status: 'PENDING' | 'EXECUTED' | 'FAILED';
    failure_reason: string | null;
  }[];
  entries: { payment_id: string; kind: 'payment' | 'refund'; event_id: string }[];
  postingFailures: string[];
  finalEvents: { event_id: string; event_type: string; aggregate_id: string; published: boolean }[];
  /** Each notice's delivery record: its attempts, and those that may have arrived without an answer. */
  deliveryRecords: { event_id: string; status: string; attempts: number; unanswered_attempts: number }[];
  bankCharges: { reference: string }[];
  bankRefunds: { idempotencyKey: string }[];
  /** Sink deliveries: the event id header and the sink's answer. */
  sinkDeliveries: { eventId: string; answered: number }[];
  /** Each customer receipt's delivery record (docs/receipts.md): its status and attempts. */
  receiptRecords: { event_id: string; status: string; attempts: number }[];
  /** The Message-IDs of the e-mails the mail catcher caught for the run's customer. */
  caughtReceipts: string[];
  ledgerVerify: { ok: boolean; broken: string[] };
  newDeadLetters: ClassifiedLetter[];
}

/** Reads the evidence for the run's payments (found by their idempotency keys, answered or not). */
export async function gatherEvidence(
  pool: pg.Pool,
  idempotencyKeys: readonly string[],
  sources: { processor: ChaosProcessor; webhookSinkUrl: string; mailCatcherUrl: string },
  newDeadLetters: ClassifiedLetter[],
): Promise<Evidence> {
  const payments = (
    await pool.query(
      'SELECT id, idempotency_key, status, source FROM payments WHERE idempotency_key = ANY($1::text[])',
      [idempotencyKeys],
    )
  ).rows;
  const ids = payments.map((payment) => payment.id as string);
  const query = async (sql: string, params: unknown[] = [ids]) => (await pool.query(sql, params)).rows;
  const [refunds, entries, failures, finalEvents, deliveryRecords, receiptRecords] = await Promise.all([
    query(
      'SELECT id, payment_id, idempotency_key, status, failure_reason FROM refunds WHERE payment_id = ANY($1::uuid[])',
    ),
    query('SELECT payment_id, kind, event_id FROM ledger.journal_entries WHERE payment_id = ANY($1::uuid[])'),
    query('SELECT payment_id FROM ledger.posting_failures WHERE payment_id = ANY($1::uuid[])'),
    query(
      `SELECT event_id, event_type, aggregate_id, published_at IS NOT NULL AS published FROM outbox
       WHERE aggregate_id = ANY($1::uuid[]) AND event_type = ANY($2::text[])`,
      [ids, [...NOTIFIED_EVENTS]],
    ),
    query(
      `SELECT event_id, status, attempts, unanswered_attempts FROM webhook_deliveries
       WHERE payment_id = ANY($1::uuid[])`,
    ),
    query('SELECT event_id, status, attempts FROM receipt_deliveries WHERE payment_id = ANY($1::uuid[])'),
  ]);
  const caught = await getJson<{ messages: { messageId: string }[] }>(
    `${sources.mailCatcherUrl}/messages?to=${encodeURIComponent(CHAOS_CUSTOMER)}`,
  );
  const bank = await sources.processor.book();
  const sink = await getJson<{ deliveries: { headers: Record<string, string>; answered: number }[] }>(
    `${sources.webhookSinkUrl}/deliveries`,
  );
  const verified: { ok: boolean; invariants: { invariant: string; ok: boolean }[] } = {
    ok: false,
    invariants: [],
  };
  await verifyLedger(pool, {
    json: true,
    print: (value) => Object.assign(verified, value),
  }).catch(() => undefined);
  return {
    payments,
    refunds,
    entries,
    postingFailures: failures.map((row) => row.payment_id),
    finalEvents,
    deliveryRecords,
    receiptRecords,
    caughtReceipts: caught.messages.map((message) => message.messageId),
    bankCharges: bank.charges,
    bankRefunds: bank.refunds,
    sinkDeliveries: sink.deliveries.map((delivery) => ({
      eventId: delivery.headers['aspay-event-id'] ?? '',
      answered: delivery.answered,
    })),
    ledgerVerify: {
      ok: verified.ok,
      broken: verified.invariants.filter((result) => !result.ok).map((result) => result.invariant),
    },
    newDeadLetters,
  };
}

const FINAL = new Set(['SUCCESS', 'FAILED', 'REFUNDED']);
const EXPECTED_STATUSES: Record<PaymentKind, readonly string[]> = {
  success: ['SUCCESS', 'REFUNDED'],
  decline: ['FAILED'],
  // The bank never answers for it: a 5xx is not a decline, so the payment waits; after the attempt limit the
  // processor looks the charge up, finds none and fails it (docs/bank-processor.md), uncharged.
  bankError: ['FAILED'],
};

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

const deliveredNotices = (evidence: Evidence) =>
  countBy(
    evidence.sinkDeliveries.filter((delivery) => delivery.answered >= 200 && delivery.answered < 300),
    (delivery) => delivery.eventId,
  );

/** A notice the merchant received more than once because an earlier attempt's answer never came back. */
export interface ResentNotice {
  eventId: string;
  received: number;
  unanswered: number;
}

/**
 * Webhooks are at-least-once: an attempt whose answer never came (a timeout, a dropped connection) may have
 * reached the merchant, and the next attempt sends the notice again. A second receipt is that, not a notice
 * sent twice by mistake, only when the delivery record counts at least as many unanswered attempts as there
 * are extra receipts; anything beyond is doubled.
 */
export function resentNotices(evidence: Evidence): ResentNotice[] {
  const records = new Map(evidence.deliveryRecords.map((record) => [record.event_id, record]));
  return [...deliveredNotices(evidence)].flatMap(([eventId, received]) => {
    const unanswered = records.get(eventId)?.unanswered_attempts ?? 0;
    return received > 1 && received - 1 <= unanswered ? [{ eventId, received, unanswered }] : [];
  });
}

/** Every promise the system makes about the run's payments, checked against the evidence. */
export function checkRun(outcomes: readonly PaymentOutcome[], evidence: Evidence): Violation[] {
  const violations: Violation[] = [];
  const add = (check: Violation['check'], subject: string, detail: string) =>
    violations.push({ check, subject, detail });
  const byKey = new Map(evidence.payments.map((payment) => [payment.idempotency_key, payment]));
  const charges = countBy(evidence.bankCharges, (charge) => charge.reference);
  const bankRefunds = countBy(evidence.bankRefunds, (refund) => refund.idempotencyKey);
  const paymentEntries = countBy(
    evidence.entries.filter((entry) => entry.kind === 'payment'),
    (entry) => entry.payment_id,
  );
  const refundEntries = countBy(
    evidence.entries.filter((entry) => entry.kind === 'refund'),
    (entry) => entry.payment_id,
  );
  // Only money that moved is reversed in the ledger: a refund the bank never executed has no entry.
  const refundsOf = countBy(
    evidence.refunds.filter((refund) => refund.status === 'EXECUTED'),
    (refund) => refund.payment_id,
  );
  const failedPostings = new Set(evidence.postingFailures);

  for (const outcome of outcomes) {
    const subject = `payment #${outcome.planned.index} (${outcome.idempotencyKey})`;
    const row = byKey.get(outcome.idempotencyKey);
    if (outcome.answeredIds.length > 1)
      add('doubled', subject, `one idempotency key answered ${outcome.answeredIds.join(', ')}`);
    if (!row) {
      if (outcome.accepted)
        add('lost', subject, `accepted as ${outcome.answeredIds[0]} but not in the database`);
      continue;
    }
    if (outcome.accepted && !outcome.answeredIds.includes(row.id))
      add('lost', subject, `accepted as ${outcome.answeredIds.join(', ')}, stored as ${row.id}`);
    const expected = EXPECTED_STATUSES[outcome.planned.kind];
    if (!expected.includes(row.status)) {
      const stranded = !FINAL.has(row.status);
      add(stranded ? 'stranded' : 'wrong-outcome', `${subject} ${row.id}`, `${row.source} is ${row.status}`);
    }
    const chargedFor = charges.get(row.id) ?? 0;
    const shouldCharge = row.status === 'SUCCESS' || row.status === 'REFUNDED' ? 1 : 0;
    if (chargedFor !== shouldCharge)
      add(
        chargedFor > shouldCharge ? 'doubled' : 'bank-charges',
        row.id,
        `${row.status} payment charged ${chargedFor} time(s) at the bank, expected ${shouldCharge}`,
      );
    if (!failedPostings.has(row.id)) {
      const posted = paymentEntries.get(row.id) ?? 0;
      if (posted !== shouldCharge)
        add(
          posted > shouldCharge ? 'doubled' : 'ledger-postings',
          row.id,
          `${row.status} payment has ${posted} payment entries, expected ${shouldCharge}`,
        );
      const reversals = refundEntries.get(row.id) ?? 0;
      const refunds = refundsOf.get(row.id) ?? 0;
      if (reversals !== refunds)
        add(
          reversals > refunds ? 'doubled' : 'ledger-postings',
          row.id,
          `${refunds} refund(s) but ${reversals} refund entries`,
        );
    }
    if (
      outcome.refund?.refundId &&
      !evidence.refunds.some((refund) => refund.id === outcome.refund?.refundId)
    )
      add('lost', `refund of ${row.id}`, `accepted as ${outcome.refund.refundId} but not in the database`);
  }

  for (const refund of evidence.refunds) {
    const atBank = bankRefunds.get(refund.id) ?? 0;
    // The simulator executes every refund of a succeeded payment: a failed one gave up during a fault.
    if (refund.status === 'FAILED')
      add('wrong-outcome', `refund ${refund.id}`, `failed: ${refund.failure_reason ?? 'no reason'}`);
    else if (refund.status !== 'EXECUTED')
      add('stranded', `refund ${refund.id}`, 'never executed at the bank');
    else if (atBank !== 1)
      add(
        atBank > 1 ? 'doubled' : 'bank-charges',
        `refund ${refund.id}`,
        `refunded ${atBank} time(s) at the bank`,
      );
  }

  if (!evidence.ledgerVerify.ok)
    add('ledger-verify', 'ledger', `ledger verify: ${evidence.ledgerVerify.broken.join('; ') || 'failed'}`);

  const resent = new Set(resentNotices(evidence).map((resend) => resend.eventId));
  const delivered = deliveredNotices(evidence);
  for (const event of evidence.finalEvents) {
    const subject = `${event.event_type} ${event.event_id} of ${event.aggregate_id}`;
    if (!event.published) add('outbox-not-drained', subject, 'still unpublished in the outbox');
    const notices = delivered.get(event.event_id) ?? 0;
    if (notices !== 1 && !resent.has(event.event_id)) {
      const record = evidence.deliveryRecords.find((candidate) => candidate.event_id === event.event_id);
      add(
        notices > 1 ? 'doubled' : 'notices',
        subject,
        `delivered ${notices} time(s) to the merchant (delivery record: ${record ? `${record.status}, ${record.attempts} attempt(s), ${record.unanswered_attempts} unanswered` : 'none'})`,
      );
    }
  }

  // One receipt per receipt event, to the run's customer (its merchants opted in): a second one only where a
  // holder died between sending and recording, which its record counts as a second attempt.
  const receipts = countBy(evidence.caughtReceipts, (messageId) => messageId);
  for (const event of evidence.finalEvents) {
    if (!(RECEIPT_EVENTS as readonly string[]).includes(event.event_type)) continue;
    const subject = `receipt of ${event.event_type} ${event.event_id} of ${event.aggregate_id}`;
    const received = receipts.get(messageIdOf({ eventId: event.event_id })) ?? 0;
    const record = evidence.receiptRecords.find((candidate) => candidate.event_id === event.event_id);
    const explained = received > 1 && received <= (record?.attempts ?? 0);
    if (received !== 1 && !explained)
      add(
        received > 1 ? 'doubled' : 'receipts',
        subject,
        `sent ${received} time(s) to the customer (record: ${record ? `${record.status}, ${record.attempts} attempt(s)` : 'none'})`,
      );
  }

  const ours = new Set(evidence.payments.map((payment) => payment.id));
  for (const letter of evidence.newDeadLetters) {
    const readable = letter.readablePaymentIds.filter((id) => ours.has(id));
    if (readable.length > 0)
      add(
        'false-dead-letter',
        `dead letter ${letter.id}`,
        `${letter.kind} letter holds readable events of ${[...new Set(readable)].join(', ')}`,
      );
    else if (letter.unverifiable)
      add(
        'false-dead-letter',
        `dead letter ${letter.id}`,
        `its records cannot be re-read: ${letter.unverifiable}`,
      );
  }
  return violations;
}
