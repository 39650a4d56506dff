/**
 * Webhook delivery and retry settings: one module, each value overridable by the environment variable named
 * beside it (docs/configuration.md lists them). Production defaults follow a payment gateway's usual promise (Stripe
 * retries for up to 3 days with exponential backoff): a merchant whose endpoint is down gets its notices late,
 * never lost.
 */

import { ENV } from './environment';
import {
  backoffMs,
  totalBackoffMs,
  WEBHOOK_IN_INVOCATION_RETRY,
  WEBHOOK_SCHEDULED_RETRY,
} from './retry-policies';
import { integerSetting, setting } from './settings';

export interface WebhookSettings {
  /** POSTs the notifier makes in its own invocation before it leaves the delivery to the retry sweep. */
  readonly inInvocationAttempts: number;
  /** Backoff between those POSTs: base * 2^(n-1). */
  readonly inInvocationBackoffMs: number;
  /** One POST's timeout: the merchant's endpoint has this long to answer. */
  readonly timeoutMs: number;
  /**
   * How long past a POST's timeout its holder keeps the delivery, to record the answer (a database blip);
   * past it, a holder that died is taken over.
   */
  readonly recordingGraceMs: number;
  /** The wait before the first scheduled retry; it doubles with every retry, up to `retryMaxMs`. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** A delivery still failing this long after its event was first sent is given up as `failed`. */
  readonly giveUpAfterMs: number;
  /** Deliveries one sweep claims at most, and at most per merchant, so one merchant down for days never blocks the others. */
  readonly sweepBatch: number;
  readonly sweepPerMerchant: number;
  /** How much of an endpoint's answer is read before the connection is closed: only the status matters. */
  readonly maxResponseBytes: number;
  /**
   * `host:port` pairs exempt from the webhook URL rules: the local stack's sink on 127.0.0.1. The local stack
   * alone sets it; the CDK stack never does (an infra test asserts it).
   */
  readonly allowedHosts: ReadonlySet<string>;
}

export function webhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  return {
    inInvocationAttempts: integerSetting(env, ENV.webhookAttempts, WEBHOOK_IN_INVOCATION_RETRY.attempts, 1),
    inInvocationBackoffMs: integerSetting(env, ENV.webhookBackoffBaseMs, WEBHOOK_IN_INVOCATION_RETRY.baseMs),
    timeoutMs: integerSetting(env, ENV.webhookTimeoutMs, 10_000, 1),
    recordingGraceMs: integerSetting(env, ENV.webhookRecordingGraceMs, 5_000),
    retryBaseMs: integerSetting(env, ENV.webhookRetryBaseMs, WEBHOOK_SCHEDULED_RETRY.baseMs, 1),
    retryMaxMs: integerSetting(env, ENV.webhookRetryMaxMs, WEBHOOK_SCHEDULED_RETRY.maxMs, 1),
    giveUpAfterMs: integerSetting(env, ENV.webhookGiveUpAfterMs, WEBHOOK_SCHEDULED_RETRY.giveUpAfterMs, 1),
    sweepBatch: integerSetting(env, ENV.webhookSweepBatch, 25, 1),
    sweepPerMerchant: integerSetting(env, ENV.webhookSweepPerMerchant, 5, 1),
    maxResponseBytes: integerSetting(env, ENV.webhookMaxResponseBytes, 4_096, 0),
    allowedHosts: new Set(
      (setting(ENV.webhookAllowHosts, env) ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  };
}

/**
 * How long one claim on a delivery lasts, from the record of the attempt it is renewed for: that POST's
 * timeout and the grace for recording its answer. A holder that died (a crash, a killed process) is taken
 * over this soon after its last attempt. The grace is the trade-off: an answer that cannot be recorded for
 * longer (the database away) lets another holder send the notice again, counted as an attempt that may
 * have arrived (merchants deduplicate by event id, as with any webhook).
 */
export function claimLeaseMs(settings: Pick<WebhookSettings, 'timeoutMs' | 'recordingGraceMs'>): number {
  return settings.timeoutMs + settings.recordingGraceMs;
}

/**
 * How long the notifier works on one delivery: every in-invocation POST timing out, the backoffs between
 * them, and the grace for recording the outcome. Its claim is renewed attempt by attempt meanwhile (each
 * lasting `claimLeaseMs`), so a crash hands the notice over within seconds, not at this window's end.
 */
export function deliveryWindowMs(settings: WebhookSettings): number {
  const backoffs = totalBackoffMs({ baseMs: settings.inInvocationBackoffMs }, settings.inInvocationAttempts);
  return settings.inInvocationAttempts * settings.timeoutMs + backoffs + settings.recordingGraceMs;
}

/** What the retry policy needs. */
export type WebhookRetrySettings = Pick<
  WebhookSettings,
  'inInvocationAttempts' | 'retryBaseMs' | 'retryMaxMs' | 'giveUpAfterMs'
>;

/**
 * What follows a failed attempt: the next retry's time, or giving up once the delivery is older than the
 * give-up age. The wait is the base doubled per scheduled retry already made (the notifier's in-invocation
 * attempts count as none), capped.
 */
export function nextWebhookAttempt(
  settings: WebhookRetrySettings,
  { now, firstAttemptAt, attempts }: { now: Date; firstAttemptAt: Date; attempts: number },
): { retryAt: Date } | 'give_up' {
  if (now.getTime() - firstAttemptAt.getTime() >= settings.giveUpAfterMs) return 'give_up';
  const retriesMade = Math.max(0, attempts - settings.inInvocationAttempts);
  const delay = backoffMs({ baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs }, retriesMade + 1);
  return { retryAt: new Date(now.getTime() + delay) };
}
