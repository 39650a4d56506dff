import { describe, expect, it } from 'vitest';
import { MailUnavailableError } from '../../../lambdas/core/adapters/errors';
import { createEvent, type EventEnvelope } from '../../../lambdas/core/domain/events';
import { moneyFromStored } from '../../../lambdas/core/domain/money';
import { ReceiptHeldError } from '../../../lambdas/core/use-cases/errors';
import type {
  Mailer,
  OutgoingMail,
  ReceiptDeliveries,
  ReceiptRecipient,
} from '../../../lambdas/core/use-cases/ports/receipts';
import { classifyFailure } from '../../../lambdas/core/use-cases/retry-decision';
import { sendReceipt } from '../../../lambdas/core/use-cases/send-receipt';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const RECIPIENT: ReceiptRecipient = { address: 'jane@example.com', merchantName: 'Acme', description: 'Tea' };

interface Row {
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  holder: string | null;
  until: Date | null;
  lastError: string | null;
}

/** The delivery records in memory, with the PostgreSQL adapter's claim rules. */
/** `recipient` none: the merchant did not opt in, or the payment names no customer. */
function memoryDeliveries(recipient: ReceiptRecipient | 'none' = RECIPIENT) {
  const rows = new Map<string, Row>();
  const deliveries: ReceiptDeliveries = {
    recipientOf: async () => (recipient === 'none' ? undefined : recipient),
    async open({ eventId }, now, claim) {
      const row = rows.get(eventId);
      if (!row) {
        rows.set(eventId, {
          status: 'pending',
          attempts: 0,
          holder: claim.holder,
          until: claim.until,
          lastError: null,
        });
        return { kind: 'claimed', attempts: 0 };
      }
      if (row.status !== 'pending') return { kind: 'handled' };
      if (row.until && row.until >= now) return { kind: 'held', until: row.until };
      Object.assign(row, { holder: claim.holder, until: claim.until });
      return { kind: 'claimed', attempts: row.attempts };
    },
    async recordAttempt(eventId, claim) {
      const row = rows.get(eventId);
      if (row?.status !== 'pending' || row.holder !== claim.holder) return false;
      row.attempts++;
      row.until = claim.until;
      return true;
    },
    async settle(eventId, holder, outcome) {
      const row = rows.get(eventId);
      if (row?.status !== 'pending' || row.holder !== holder) return;
      Object.assign(row, {
        status: outcome.status,
        lastError: outcome.status === 'sent' ? null : outcome.error,
        holder: null,
        until: null,
      });
    },
  };
  return { deliveries, rows };
}

function mailer(answer: () => Promise<Awaited<ReturnType<Mailer['send']>>>) {
  const sent: OutgoingMail[] = [];
  const service: Mailer = {
    async send(mail) {
      const outcome = await answer();
      sent.push(mail);
      return outcome;
    },
  };
  return { service, sent };
}

const succeeded = () =>
  createEvent(
    'payment.succeeded',
    { paymentId: '7f0c3c56-3f0e-4c2c-9a43-2d6f1d3e8b10', merchantId: 'mer_1', mode: 'test' },
    {
      amount: moneyFromStored('25', 'USD'),
      currency: 'USD',
      status: 'SUCCESS',
      source: 'tok_success',
      customer: RECIPIENT.address,
      metadata: {},
    },
    NOW,
  );

const run = (deliveries: ReceiptDeliveries, service: Mailer, event: EventEnvelope) =>
  sendReceipt({ deliveries, mailer: service, clock: () => NOW, claimLeaseMs: 15_000 }, event, NOW);

describe('sending a customer receipt', () => {
  it('sends one receipt per event, its Message-ID the event id, and nothing for a redelivery', async () => {
    const { deliveries, rows } = memoryDeliveries();
    const { service, sent } = mailer(async () => ({ kind: 'sent' }));
    const event = succeeded();

    expect(await run(deliveries, service, event)).toBe('sent');
    expect(await run(deliveries, service, event)).toBe('already_handled');

    expect(sent).toEqual([
      expect.objectContaining({
        to: 'jane@example.com',
        messageId: `<${event.eventId}@receipts.aspay>`,
        subject: 'Your receipt from Acme',
        text: expect.stringContaining('You paid 25.00 USD to Acme.'),
      }),
    ]);
    expect(rows.get(event.eventId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('sends nothing when the merchant did not opt in or the payment names no customer', async () => {
    const { deliveries, rows } = memoryDeliveries('none');
    const { service, sent } = mailer(async () => ({ kind: 'sent' }));

    expect(await run(deliveries, service, succeeded())).toBe('not_requested');
    expect(sent).toEqual([]);
    expect(rows.size).toBe(0);
  });

  it('reads nothing for a payment that names no customer', async () => {
    const { deliveries } = memoryDeliveries();
    const read: string[] = [];
    const counted: ReceiptDeliveries = {
      ...deliveries,
      recipientOf: async (paymentId) => {
        read.push(paymentId);
        return deliveries.recipientOf(paymentId);
      },
    };
    const { service, sent } = mailer(async () => ({ kind: 'sent' }));
    const anonymous = succeeded();
    delete (anonymous.data as { customer?: string }).customer;

    expect(await run(counted, service, anonymous)).toBe('not_requested');
    expect([read, sent]).toEqual([[], []]);
  });

  it('sends nothing for a refund only asked for: the customer hears of it once the bank executed it', async () => {
    const { deliveries } = memoryDeliveries();
    const { service, sent } = mailer(async () => ({ kind: 'sent' }));
    const asked = createEvent(
      'payment.refunded',
      { paymentId: '7f0c3c56-3f0e-4c2c-9a43-2d6f1d3e8b10', merchantId: 'mer_1', mode: 'test' },
      {
        refundId: '0b7c1c2e-3b4f-4a5c-8d6e-9f0a1b2c3d4e',
        amount: moneyFromStored('5', 'USD'),
        currency: 'USD',
        refundedTotal: moneyFromStored('0', 'USD'),
        statusAfter: 'SUCCESS',
      },
      NOW,
    );

    expect(await run(deliveries, service, asked)).toBe('not_requested');
    expect(sent).toEqual([]);
  });

  it('gives the receipt back and lets the consumer wait while the mail service is away', async () => {
    const { deliveries, rows } = memoryDeliveries();
    const away = mailer(async () => {
      throw new MailUnavailableError('the mail server cannot take mail now (ECONNREFUSED)');
    });
    const event = succeeded();

    const failure = await run(deliveries, away.service, event).catch((error: unknown) => error);

    expect(classifyFailure(failure).kind).toBe('transient');
    expect(rows.get(event.eventId)).toMatchObject({ status: 'pending', attempts: 1, holder: null });
    const back = mailer(async () => ({ kind: 'sent' }));
    expect(await run(deliveries, back.service, event)).toBe('sent');
    expect(rows.get(event.eventId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('takes over a receipt whose sender died, once its claim has passed, and sends it', async () => {
    const { deliveries, rows } = memoryDeliveries();
    const { service, sent } = mailer(async () => ({ kind: 'sent' }));
    const event = succeeded();
    rows.set(event.eventId, {
      status: 'pending',
      attempts: 1,
      holder: 'a sender that died',
      until: new Date(Date.now() + 50),
      lastError: null,
    });

    const outcome = await sendReceipt(
      { deliveries, mailer: service, clock: () => new Date(), claimLeaseMs: 15_000 },
      event,
      new Date(Date.now() + 5_000),
    );

    expect(outcome).toBe('sent');
    expect(sent).toHaveLength(1);
    expect(rows.get(event.eventId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('leaves a receipt another sender holds beyond the invocation to a later try, never as handled', async () => {
    const { deliveries, rows } = memoryDeliveries();
    const { service, sent } = mailer(async () => ({ kind: 'sent' }));
    const event = succeeded();
    const held = { status: 'pending' as const, attempts: 1, holder: 'another sender', lastError: null };
    rows.set(event.eventId, { ...held, until: new Date(NOW.getTime() + 60_000) });

    const failure = await run(deliveries, service, event).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ReceiptHeldError);
    expect(classifyFailure(failure).kind).toBe('transient');
    expect(sent).toEqual([]);
  });

  it('records a receipt the mail service refuses for good as failed, and never sends it again', async () => {
    const { deliveries, rows } = memoryDeliveries();
    const { service, sent } = mailer(async () => ({
      kind: 'rejected',
      reason: 'SES refused it (MessageRejected)',
    }));
    const event = succeeded();

    expect(await run(deliveries, service, event)).toBe('rejected');
    expect(await run(deliveries, service, event)).toBe('already_handled');

    expect(sent).toHaveLength(1);
    expect(rows.get(event.eventId)).toMatchObject({
      status: 'failed',
      lastError: 'SES refused it (MessageRejected)',
    });
  });
});
