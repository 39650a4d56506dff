import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../../lambdas/core/domain/webhook-signature';

const secret = 'whsec_test';
const rawBody = '{"id":"evt_1","type":"payment.succeeded"}';
const now = new Date('2026-11-24T10:00:00Z');

describe('webhook signatures', () => {
  it('verifies a signature made with the same secret over the same raw body', () => {
    const header = signWebhook(secret, rawBody, now);
    expect(header).toMatch(/^t=1795514400,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ header, rawBody, secret, now })).toBe(true);
  });

  it('refuses another secret, a changed body, a missing header and a stale timestamp', () => {
    const header = signWebhook(secret, rawBody, now);
    expect(verifyWebhookSignature({ header, rawBody, secret: 'whsec_other', now })).toBe(false);
    expect(verifyWebhookSignature({ header, rawBody: `${rawBody} `, secret, now })).toBe(false);
    expect(verifyWebhookSignature({ header: undefined, rawBody, secret, now })).toBe(false);
    const sixMinutesLater = new Date(now.getTime() + 6 * 60_000);
    expect(verifyWebhookSignature({ header, rawBody, secret, now: sixMinutesLater })).toBe(false);
    expect(
      verifyWebhookSignature({ header, rawBody, secret, now: sixMinutesLater, toleranceSeconds: 600 }),
    ).toBe(true);
  });
});
