import type { WebhookAttempt, WebhookSender } from '../../use-cases/ports';

/**
 * Failures before the request left: no connection (refused, unreachable, the host unknown, the connect timed
 * out) or no TLS session. Node's fetch (undici) reports them as `TypeError: fetch failed` with the system or
 * undici code on `cause`.
 */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TLS_FAILURE = /CERT|TLS|SSL/;

function failedAttempt(error: unknown): WebhookAttempt {
  const code = String((error as { cause?: { code?: unknown } }).cause?.code ?? '');
  return {
    error: error instanceof Error ? error.message : String(error),
    // A timeout, a reset or anything else: the merchant may have taken the request and answered too late.
    mayHaveArrived: !(NEVER_SENT.has(code) || TLS_FAILURE.test(code)),
  };
}

/** POSTs webhooks with a timeout; the merchant's endpoint has 10 s to answer. */
export function httpWebhookSender(timeoutMs = 10_000): WebhookSender {
  return {
    async send(url, rawBody, headers) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers,
          body: rawBody,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        return failedAttempt(error);
      }
      // The status is the merchant's answer; a body cut short after it changes nothing.
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    },
  };
}
