import { describe, expect, it, vi } from 'vitest';
import { createEvent, type EventEnvelope } from '../../../lambdas/core/domain/events';
import { verifyWebhookSignature } from '../../../lambdas/core/domain/webhook-signature';
import { notifyMerchant } from '../../../lambdas/core/use-cases/notify-merchant';
import type {
  DeliveryClaim,
  WebhookAttempt,
  WebhookEndpoint,
} from '../../../lambdas/core/use-cases/ports/webhooks';
import { retryWebhooks } from '../../../lambdas/core/use-cases/retry-webhooks';
import { inMemoryWebhookDeliveries, scriptedSender } from '../../support/in-memory-webhook-deliveries';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const START = new Date('2026-03-01T12:00:00.000Z');
const SETTINGS = {
  inInvocationAttempts: 3,
  inInvocationBackoffMs: 0,
  retryBaseMs: MINUTE,
  retryMaxMs: 4 * MINUTE,
  giveUpAfterMs: 60 * MINUTE,
  sweepBatch: 10,
  sweepPerMerchant: 2,
  timeoutMs: 10 * SECOND,
  recordingGraceMs: 5 * SECOND,
};
/** A claim's length: one POST's timeout and the recording grace. */
const LEASE = 15 * SECOND;
const ENDPOINTS = {
  mer_down: { url: 'https://down.example/hooks', secret: 'whsec_down' },
  mer_up: { url: 'https://up.example/hooks', secret: 'whsec_up' },
};

function world(...answers: (number | 'no answer')[]) {
  let now = START;
  const endpoints: Record<string, WebhookEndpoint> = { ...ENDPOINTS };
  const { deliveries, rows } = inMemoryWebhookDeliveries(endpoints);
  const { sender, sent } = scriptedSender(...answers);
  const deps = { deliveries, sender, clock: () => now, settings: SETTINGS };
  return {
    deps,
    rows,
    endpoints,
    sent,
    at: (offsetMs: number) => {
      now = new Date(START.getTime() + offsetMs);
      return now;
    },
    /** A sweep whose invocation may run for another minute. */
    sweep: () => retryWebhooks(deps, new Date(now.getTime() + MINUTE)),
    notify: (event: EventEnvelope) => notifyMerchant(deps, event, new Date(now.getTime() + MINUTE)),
  };
}

const succeeded = (merchantId = 'mer_down', paymentId = crypto.randomUUID()) =>
  createEvent(
    'payment.succeeded',
    { paymentId, merchantId, mode: 'test' },
    { amount: '12.00', currency: 'USD', status: 'SUCCESS', source: 'tok_success' },
    START,
  );

/** The delivery of `event` as a notifier opens it, claimed by `claim`. */
const openedBy = (w: ReturnType<typeof world>, event: EventEnvelope, claim: DeliveryClaim) =>
  w.deps.deliveries.open(
    {
      eventId: event.eventId,
      merchantId: event.merchantId,
      paymentId: event.paymentId,
      eventType: event.type,
      rawBody: '{}',
    },
    ENDPOINTS.mer_down.url,
    START,
    claim,
  );

describe('a webhook whose endpoint is down', () => {
  it('is left pending for a retry a base delay later, not given up, after the in-invocation attempts', async () => {
    const w = world(503);
    const event = succeeded();
    expect(await w.notify(event)).toBe('pending');
    expect(w.sent).toHaveLength(3);
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'pending',
      attempts: 3,
      lastError: 'endpoint answered 503',
      nextAttemptAt: new Date(START.getTime() + MINUTE),
      claimedUntil: null,
    });
  });

  it('is sent again by the sweep once due, with the same event id and body and a fresh signature', async () => {
    const w = world(503, 503, 503, 204);
    const event = succeeded();
    await w.notify(event);
    w.at(MINUTE - 1);
    expect(await w.sweep()).toEqual({ delivered: 0, pending: 0, failed: 0 });
    w.at(MINUTE);
    expect(await w.sweep()).toEqual({ delivered: 1, pending: 0, failed: 0 });

    const [first, retried] = [w.sent[0], w.sent[3]];
    expect(retried?.rawBody).toBe(first?.rawBody);
    expect(retried?.headers['ASPay-Event-Id']).toBe(event.eventId);
    expect(retried?.headers['ASPay-Signature']).not.toBe(first?.headers['ASPay-Signature']);
    expect(
      verifyWebhookSignature({
        header: retried?.headers['ASPay-Signature'] ?? '',
        rawBody: retried?.rawBody ?? '',
        secret: ENDPOINTS.mer_down.secret,
        now: new Date(START.getTime() + MINUTE),
      }),
    ).toBe(true);
    expect(w.rows.get(event.eventId)).toMatchObject({ status: 'delivered', attempts: 4, lastError: null });
    expect(await w.sweep()).toEqual({ delivered: 0, pending: 0, failed: 0 });
    expect(w.sent).toHaveLength(4);
  });

  it('backs off exponentially between sweeps, up to the cap', async () => {
    const w = world(503);
    const event = succeeded();
    await w.notify(event);
    const retriedAt: number[] = [];
    for (let elapsed = 0; elapsed <= 20 * MINUTE; elapsed += 30 * SECOND) {
      w.at(elapsed);
      const before = w.sent.length;
      await w.sweep();
      if (w.sent.length > before) retriedAt.push(elapsed / MINUTE);
    }
    // 1, then 2, 4 and 4 (the cap) minutes apart.
    expect(retriedAt).toEqual([1, 3, 7, 11, 15, 19]);
  });

  it('is given up as failed with its last error once older than the give-up age', async () => {
    const w = world(503, 503, 503, 500);
    const event = succeeded();
    await w.notify(event);
    w.at(60 * MINUTE);
    expect(await w.sweep()).toEqual({ delivered: 0, pending: 0, failed: 1 });
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'failed',
      lastError: 'endpoint answered 500',
      nextAttemptAt: null,
    });
    w.at(120 * MINUTE);
    expect(await w.sweep()).toEqual({ delivered: 0, pending: 0, failed: 0 });
  });
});

describe('a webhook delivered while the database is away', () => {
  /** The next `times` outcome recordings fail as the database would, each taking `takesMs` of the clock. */
  function databaseAway(w: ReturnType<typeof world>, times: number, takesMs: number) {
    const settle = w.deps.deliveries.settle;
    let failuresLeft = times;
    w.deps.deliveries.settle = async (eventId, holder, outcome) => {
      if (failuresLeft <= 0) return settle(eventId, holder, outcome);
      failuresLeft--;
      w.at(w.deps.clock().getTime() - START.getTime() + takesMs);
      throw new Error('Connection terminated unexpectedly');
    };
  }

  it('is recorded once the database is back, even past the claim if no one took over, so it is never sent again', async () => {
    const w = world(204);
    const event = succeeded();
    // Recorded 20 s after the POST: the claim (15 s) has passed, but no other holder has taken the delivery.
    databaseAway(w, 2, 10 * SECOND);
    expect(await w.notify(event).catch((error: Error) => error.message)).toBe('delivered');
    w.at(2 * MINUTE);
    expect(await w.sweep()).toEqual({ delivered: 0, pending: 0, failed: 0 });
    expect(w.sent).toHaveLength(1);
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      unansweredAttempts: 0,
    });
  });

  it('is left to the sweep once the holder stops working on it: sent again, counted as one that may have arrived', async () => {
    const w = world(204);
    const event = succeeded();
    databaseAway(w, 2, 30 * SECOND);
    await expect(w.notify(event)).rejects.toThrow('Connection terminated');
    w.at(2 * MINUTE);
    expect(await w.sweep()).toEqual({ delivered: 1, pending: 0, failed: 0 });
    expect(w.sent).toHaveLength(2);
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      unansweredAttempts: 1,
    });
  });
});

describe('a webhook whose answer never came', () => {
  it('is sent again, and the record counts the unanswered attempt: the merchant may hold the notice twice', async () => {
    const w = world('no answer', 204);
    const event = succeeded();
    expect(await w.notify(event)).toBe('delivered');
    expect(w.sent.map((sent) => sent.headers['ASPay-Event-Id'])).toEqual([event.eventId, event.eventId]);
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      unansweredAttempts: 1,
      lastError: null,
    });
  });

  it('counts as unanswered across the notifier and the sweep, and an answered failure never does', async () => {
    const w = world(503, 'no answer', 'no answer', 204);
    const event = succeeded();
    expect(await w.notify(event)).toBe('pending');
    expect(w.rows.get(event.eventId)).toMatchObject({
      attempts: 3,
      unansweredAttempts: 2,
      lastError: expect.stringMatching(/timeout/),
    });
    w.at(MINUTE);
    expect(await w.sweep()).toEqual({ delivered: 1, pending: 0, failed: 0 });
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'delivered',
      attempts: 4,
      unansweredAttempts: 2,
    });
  });
});

describe('a holder that died mid-delivery', () => {
  /** The first POST reaches the merchant and its answer is held back until `answer` (the holder is frozen or dead). */
  function firstAnswerHeld(w: ReturnType<typeof world>) {
    const send = w.deps.sender.send;
    let answer: (attempt: WebhookAttempt) => void = () => {};
    const held = new Promise<WebhookAttempt>((resolve) => {
      answer = resolve;
    });
    let first = true;
    w.deps.sender.send = async (url, rawBody, headers) => {
      if (!first) return send(url, rawBody, headers);
      first = false;
      w.sent.push({ url, rawBody, headers });
      return held;
    };
    return { answer: (attempt: WebhookAttempt) => answer(attempt) };
  }

  it('after its POST: the record counts the attempt, and the sweep sends the notice once the claim passes', async () => {
    const w = world(204);
    firstAnswerHeld(w);
    const event = succeeded();
    void w.notify(event);
    await vi.waitFor(() => expect(w.sent).toHaveLength(1));
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'pending',
      attempts: 1,
      unansweredAttempts: 1,
    });

    w.at(LEASE - 1);
    expect(await w.sweep()).toEqual({ delivered: 0, pending: 0, failed: 0 });
    w.at(LEASE + 1);
    expect(await w.sweep()).toEqual({ delivered: 1, pending: 0, failed: 0 });
    // Received twice, and the record says the first may have arrived.
    expect(w.sent).toHaveLength(2);
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      unansweredAttempts: 1,
    });
  });

  it('before its POST: the sweep sends the notice once the claim passes, with no attempt counted twice', async () => {
    const w = world(204);
    const event = succeeded();
    // The notifier opened the delivery and died before its first attempt.
    const opened = await openedBy(w, event, {
      holder: 'dead notifier',
      until: new Date(START.getTime() + LEASE),
    });
    expect(opened.kind).toBe('claimed');
    w.at(LEASE + 1);
    expect(await w.sweep()).toEqual({ delivered: 1, pending: 0, failed: 0 });
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      unansweredAttempts: 0,
    });
  });

  it('cannot overwrite the record of the holder that took it over, when its answer comes at last', async () => {
    const w = world(204);
    const held = firstAnswerHeld(w);
    const event = succeeded();
    const stale = w.notify(event);
    await vi.waitFor(() => expect(w.sent).toHaveLength(1));
    w.at(LEASE + 1);
    await w.sweep();
    // The first holder's POST times out after all, and its next attempt finds the claim gone: nothing more is sent.
    held.answer({ error: 'The operation was aborted due to timeout', mayHaveArrived: true });
    expect(await stale).toBe('taken_over');
    expect(w.sent).toHaveLength(2);
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      unansweredAttempts: 1,
      lastError: null,
    });
  });

  it('sends nothing while its attempt cannot be recorded, and sends once the database is back', async () => {
    const w = world(204);
    const recordAttempt = w.deps.deliveries.recordAttempt;
    let failuresLeft = 2;
    w.deps.deliveries.recordAttempt = async (...args) => {
      if (failuresLeft-- > 0) {
        expect(w.sent).toHaveLength(0);
        throw new Error('Connection terminated unexpectedly');
      }
      return recordAttempt(...args);
    };
    const event = succeeded();
    expect(await w.notify(event)).toBe('delivered');
    expect(w.sent).toHaveLength(1);
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      unansweredAttempts: 0,
    });
  });
});

describe('the retry sweep', () => {
  it('never sends a delivery its notifier still holds, nor one another sweep claimed', async () => {
    const w = world(204);
    const event = succeeded();
    // The notifier opened the delivery (claimed for a minute) and is still sending.
    await openedBy(w, event, { holder: 'notifier', until: new Date(START.getTime() + MINUTE) });
    w.at(30 * SECOND);
    expect(await w.sweep()).toEqual({ delivered: 0, pending: 0, failed: 0 });
    expect(w.sent).toHaveLength(0);

    // Its invocation is over: one sweep takes the delivery over, a second one at the same time finds it claimed.
    w.at(MINUTE + 1);
    const until = new Date(START.getTime() + 2 * MINUTE);
    const limits = { limit: 10, perMerchant: 10 };
    const [first, second] = await Promise.all([
      w.deps.deliveries.claimDue(
        new Date(START.getTime() + MINUTE + 1),
        { holder: 'sweep 1', until },
        limits,
      ),
      w.deps.deliveries.claimDue(
        new Date(START.getTime() + MINUTE + 1),
        { holder: 'sweep 2', until },
        limits,
      ),
    ]);
    expect([first.length, second.length]).toEqual([1, 0]);
  });

  it('sends a redelivered event nothing: the delivery record already owns it', async () => {
    const w = world(204);
    const event = succeeded();
    expect(await w.notify(event)).toBe('delivered');
    expect(await w.notify(event)).toBe('already_handled');
    expect(w.sent).toHaveLength(1);
  });

  it('serves the longest due first and takes a bounded number per merchant, so one merchant down never blocks the others', async () => {
    const w = world(503);
    const backlog = [];
    for (let i = 0; i < 5; i++) {
      const event = succeeded('mer_down');
      backlog.push(event);
      await w.notify(event);
    }
    w.at(10 * SECOND);
    const other = succeeded('mer_up');
    await w.notify(other);
    w.at(2 * MINUTE);
    const before = w.sent.length;
    await w.sweep();
    const swept = w.sent.slice(before).map((sent) => JSON.parse(sent.rawBody).id);
    expect(swept.sort()).toEqual([backlog[0]?.eventId, backlog[1]?.eventId, other.eventId].sort());
  });

  it('gives up a delivery whose merchant no longer has an endpoint', async () => {
    const w = world(503);
    const event = succeeded();
    await w.notify(event);
    delete w.endpoints.mer_down;
    w.at(MINUTE);
    expect(await w.sweep()).toEqual({ delivered: 0, pending: 0, failed: 1 });
    expect(w.rows.get(event.eventId)).toMatchObject({
      status: 'failed',
      lastError: 'the merchant no longer has a webhook endpoint',
    });
  });
});
