import type { WebhookSender } from '../../use-cases/ports';

/** POSTs webhooks with a timeout; the merchant's endpoint has 10 s to answer. */
export function httpWebhookSender(timeoutMs = 10_000): WebhookSender {
  return {
    async send(url, rawBody, headers) {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: rawBody,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      return response.status;
    },
  };
}
