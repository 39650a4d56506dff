import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `ASPay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. Merchants
 * verify with `verifyWebhookSignature`; deliveries older than the tolerance (5 minutes) are refused, so a
 * captured request cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'ASPay-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

function digest(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

export function signWebhook(secret: string, rawBody: string, now: Date): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  return `t=${timestamp},v1=${digest(secret, timestamp, rawBody)}`;
}

export function verifyWebhookSignature(input: {
  header: string | undefined;
  rawBody: string;
  secret: string;
  now?: Date;
  toleranceSeconds?: number;
}): boolean {
  if (!input.header) return false;
  const parts = new Map(input.header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const signature = parts.get('v1');
  if (!Number.isInteger(timestamp) || !signature) return false;
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(digest(input.secret, timestamp, input.rawBody), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
