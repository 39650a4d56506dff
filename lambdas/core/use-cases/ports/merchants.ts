import type { NewApiKey } from '../../domain/api-key';
import type { Mode } from '../../domain/mode';
import type { RequestRate } from '../../domain/rate-limit';

/** Merchants: whose request it is, its request budget, registering merchants (their keys: ports/api-keys.ts). */

/** Whose objects a request may see: the merchant's, in its key's mode. */
export interface MerchantScope {
  readonly merchantId: string;
  readonly mode: Mode;
}

/** A shared request budget per key (a merchant): every Lambda instance draws on the same one. */
export interface RateLimitStore {
  /** Takes `count` requests (default 1, at most the burst) at once: all of them, or none when they do not all fit. */
  take(
    key: string,
    rate: RequestRate,
    nowMs: number,
    count?: number,
  ): Promise<{ admitted: true } | { admitted: false; retryAfterSeconds: number }>;
}

export interface MerchantRegistry {
  create(merchant: {
    id: string;
    name: string;
    /** The first full-access key of each mode. */
    apiKeys: Record<Mode, NewApiKey>;
    /** The webhook endpoint, its signing secret sealed (never stored in plain text). */
    webhook?: { url: string; sealedSecret: string };
  }): Promise<void>;
  /** Merchants whose webhook secret is still stored in plain text (from before secrets were sealed). */
  plainWebhookSecrets(limit: number): Promise<{ merchantId: string; secret: string }[]>;
  /** Stores the sealed secret and clears the plain one, unless the plain one changed meanwhile. */
  replacePlainWebhookSecret(merchantId: string, plain: string, sealed: string): Promise<boolean>;
}
