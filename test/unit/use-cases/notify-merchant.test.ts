import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../lambdas/core/domain/events';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../../lambdas/core/domain/webhook-signature';
import { type NotifyDeps, notifyMerchant } from '../../../lambdas/core/use-cases/notify-merchant';
import { inMemoryWebhookDeliveries, scriptedSender } from '../../support/in-memory-webhook-deliveries';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const CLAIMED_UNTIL = new Date(NOW.getTime() + 60_000);
const ENDPOINT = { url: 'https://shop.example/hooks', secret: 'whsec_shop' };
const SETTINGS = {
  inInvocationAttempts: 3,
  inInvocationBackoffMs: 0,
  retryBaseMs: 60_000,
  retryMaxMs: 240_000,
  giveUpAfterMs: 3_600_000,
  timeoutMs: 10_000,
  recordingGraceMs: 5_000,
};

function notifier(...answers: (number | 'no answer')[]) {
  const { deliveries, rows } = inMemoryWebhookDeliveries({ mer_shop: ENDPOINT });
  const { sender, sent } = scriptedSender(...answers);
  const deps: NotifyDeps = { deliveries, sender, clock: () => NOW, settings: SETTINGS };
  return { deps, rows, sent };
}

const ids = (merchantId = 'mer_shop') => ({
  paymentId: crypto.randomUUID(),
  merchantId,
  mode: 'live' as const,
});

const succeeded = (merchantId?: string) =>
  createEvent(
    'payment.succeeded',
    ids(merchantId),
    { amount: '12.00', currency: 'EUR', status: 'SUCCESS', source: 'tok_success', metadata: { order: '7' } },
    NOW,
  );

describe('notifying a merchant of an event', () => {
  it('delivers one signed notice with the event id, type, mode and data', async () => {
    const { deps, rows, sent } = notifier(204);
    const event = succeeded();

    expect(await notifyMerchant(deps, event, CLAIMED_UNTIL)).toBe('delivered');

    expect(sent).toHaveLength(1);
    const [notice] = sent;
    expect(notice?.url).toBe(ENDPOINT.url);
    expect(JSON.parse(notice?.rawBody ?? '')).toEqual({
      id: event.eventId,
      type: 'payment.succeeded',
      createdAt: NOW.toISOString(),
      livemode: true,
      data: { paymentId: event.paymentId, ...event.data },
    });
    expect(notice?.headers).toMatchObject({
      'content-type': 'application/json',
      'ASPay-Event-Id': event.eventId,
    });
    expect(
      verifyWebhookSignature({
        header: notice?.headers[SIGNATURE_HEADER] ?? '',
        rawBody: notice?.rawBody ?? '',
        secret: ENDPOINT.secret,
        now: NOW,
      }),
    ).toBe(true);
    expect(rows.get(event.eventId)).toMatchObject({ status: 'delivered', attempts: 1, claimedUntil: null });
  });

  it.each([
    createEvent(
      'payment.refund_executed',
      ids(),
      { refundId: crypto.randomUUID(), amount: '1.00', currency: 'EUR', bankRefundId: 're_1' },
      NOW,
    ),
    createEvent(
      'payment.refund_failed',
      ids(),
      {
        refundId: crypto.randomUUID(),
        amount: '1.00',
        currency: 'EUR',
        refundedTotal: '0.00',
        statusAfter: 'SUCCESS',
        reason: 'refund_rejected',
      },
      NOW,
    ),
  ])("tells the merchant a refund's outcome at the bank: $type", async (event) => {
    const { deps, sent } = notifier(204);

    expect(await notifyMerchant(deps, event, CLAIMED_UNTIL)).toBe('delivered');

    expect(sent.map((notice) => JSON.parse(notice.rawBody))).toEqual([
      expect.objectContaining({
        id: event.eventId,
        type: event.type,
        data: expect.objectContaining(event.data),
      }),
    ]);
  });

  it('tries again within the invocation, and delivers on a later attempt', async () => {
    const { deps, rows, sent } = notifier(500, 204);
    const event = succeeded();

    expect(await notifyMerchant(deps, event, CLAIMED_UNTIL)).toBe('delivered');

    expect(sent).toHaveLength(2);
    expect(rows.get(event.eventId)).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
  });

  it.each([
    createEvent(
      'payment.initiated',
      ids(),
      { amount: '1.00', currency: 'EUR', status: 'INITIATED', source: 's', metadata: {} },
      NOW,
    ),
  ])('notifies nobody of $type: only receipts, alerts and refund notices go out', async (event) => {
    const { deps, rows, sent } = notifier(204);

    expect(await notifyMerchant(deps, event, CLAIMED_UNTIL)).toBe('not_notified');

    expect(sent).toEqual([]);
    expect(rows.size).toBe(0);
  });

  it('sends nothing, and records nothing, for a merchant without a webhook endpoint', async () => {
    const { deps, rows, sent } = notifier(204);

    expect(await notifyMerchant(deps, succeeded('mer_without_endpoint'), CLAIMED_UNTIL)).toBe('no_endpoint');

    expect(sent).toEqual([]);
    expect(rows.size).toBe(0);
  });

  describe('a redelivered event', () => {
    // A real clock and a claim of 1 s (one POST's 500 ms timeout, 500 ms to record its answer): short enough
    // to wait out, long enough that a busy machine's timer delays never look like a dead holder.
    const SHORT_CLAIM = { ...SETTINGS, timeoutMs: 500, recordingGraceMs: 500 };
    const CLAIM_MS = 1_000;
    const live = () => {
      const world = notifier(204);
      const deps: NotifyDeps = { ...world.deps, clock: () => new Date(), settings: SHORT_CLAIM };
      return { ...world, deps, workUntil: () => new Date(Date.now() + 60_000) };
    };

    const noticeOf = (event: ReturnType<typeof succeeded>) => ({
      eventId: event.eventId,
      merchantId: 'mer_shop',
      paymentId: event.paymentId,
      eventType: event.type,
      rawBody: '{}',
    });

    it('takes over a delivery whose holder died, once its claim passes, and delivers it', async () => {
      const { deps, rows, sent, workUntil } = live();
      const event = succeeded();
      // The invocation that first handled the event opened the delivery and died.
      const dead = { holder: 'dead invocation', until: new Date(Date.now() + CLAIM_MS) };
      const notice = noticeOf(event);
      await deps.deliveries.open(notice, ENDPOINT.url, new Date(), dead);

      const startedAt = Date.now();
      expect(await notifyMerchant(deps, event, workUntil())).toBe('delivered');
      // Taken over once the claim passes, not at the end of the invocation (a minute away).
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(sent).toHaveLength(1);
      expect(rows.get(event.eventId)).toMatchObject({
        status: 'delivered',
        attempts: 1,
        unansweredAttempts: 0,
      });
    });

    it('leaves a delivery to its holder while that holder renews its claim', async () => {
      const { deps, sent, workUntil } = live();
      const event = succeeded();
      const notice = noticeOf(event);
      await deps.deliveries.open(notice, ENDPOINT.url, new Date(), {
        holder: 'alive',
        until: new Date(Date.now() + CLAIM_MS),
      });
      const renewing = setInterval(
        () =>
          deps.deliveries.recordAttempt(event.eventId, 'alive', new Date(), new Date(Date.now() + CLAIM_MS)),
        100,
      );
      try {
        expect(await notifyMerchant(deps, event, workUntil())).toBe('already_handled');
      } finally {
        clearInterval(renewing);
      }
      expect(sent).toEqual([]);
    });

    it('sends nothing for a delivery already delivered, or waiting for its scheduled retry', async () => {
      const { deps, sent, workUntil } = live();
      const delivered = succeeded();
      expect(await notifyMerchant(deps, delivered, workUntil())).toBe('delivered');
      expect(await notifyMerchant(deps, delivered, workUntil())).toBe('already_handled');

      const failing = notifier(503);
      const waiting = succeeded();
      const failingDeps = { ...failing.deps, clock: () => new Date(), settings: SHORT_CLAIM };
      expect(await notifyMerchant(failingDeps, waiting, workUntil())).toBe('pending');
      expect(await notifyMerchant(failingDeps, waiting, workUntil())).toBe('already_handled');
      expect([sent.length, failing.sent.length]).toEqual([1, 3]);
    });
  });
});
