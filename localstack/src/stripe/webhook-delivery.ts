import { signWebhook } from '../../../lambdas/core/domain/webhook-signature';
import type { StripeEvent } from './stripe-objects';

/**
 * Stripe's webhook deliveries, simulated: each event is POSTed to the endpoint as Stripe sends it (the JSON event
 * pretty-printed, `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, re-signed on every attempt:
 * https://docs.stripe.com/webhooks#verify-manually — ASPay's own webhook signature is the same scheme), in the
 * background and never blocking the API answer, retried with a backoff while the endpoint fails (Stripe retries for
 * days: https://docs.stripe.com/webhooks#retries; here a few quick tries). Tests can hold deliveries (queued until
 * released) and send an event again, as Stripe may deliver one event more than once
 * (https://docs.stripe.com/webhooks#handle-duplicate-events).
 */

export interface WebhookEndpoint {
  url: string;
  secret: string;
  /** The endpoint's `enabled_events`; every event when absent (like `*`). */
  enabledEvents?: readonly string[];
}

export interface DeliveryRetries {
  attempts: number;
  backoffMs: number;
}

export interface DeliveryAttempt {
  eventId: string;
  type: string;
  at: string;
  /** The endpoint's HTTP status, or null when it could not be reached. */
  status: number | null;
}

const ATTEMPT_TIMEOUT_MS = 10_000;

export function webhookDeliveries(
  endpoint: WebhookEndpoint | undefined,
  retries: DeliveryRetries,
  now: () => Date,
) {
  const attempts: DeliveryAttempt[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let held: StripeEvent[] | undefined;
  let closed = false;

  const wanted = (event: StripeEvent) =>
    endpoint !== undefined &&
    (endpoint.enabledEvents === undefined ||
      endpoint.enabledEvents.includes('*') ||
      endpoint.enabledEvents.includes(event.type));

  async function attempt(target: WebhookEndpoint, event: StripeEvent, tried: number): Promise<void> {
    if (closed) return;
    const body = JSON.stringify(event, null, 2);
    let status: number | null = null;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signWebhook(target.secret, body, now()),
        },
        body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = null;
    }
    attempts.push({ eventId: event.id, type: event.type, at: new Date().toISOString(), status });
    const delivered = status !== null && status >= 200 && status < 300;
    if (delivered || tried + 1 >= retries.attempts || closed) return;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        void attempt(target, event, tried + 1);
      },
      retries.backoffMs * 2 ** tried,
    );
    timers.add(timer);
  }

  function send(event: StripeEvent): void {
    if (!endpoint || !wanted(event)) return;
    if (held) held.push(event);
    else void attempt(endpoint, event, 0);
  }

  return {
    send,
    /** While held, deliveries queue up; releasing sends them in the order the events happened. */
    hold(enabled: boolean): void {
      if (enabled) {
        held ??= [];
        return;
      }
      const queued = held ?? [];
      held = undefined;
      for (const event of queued) send(event);
    },
    held: () => held !== undefined,
    attempts: (): readonly DeliveryAttempt[] => attempts,
    close(): void {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type WebhookDeliveries = ReturnType<typeof webhookDeliveries>;
