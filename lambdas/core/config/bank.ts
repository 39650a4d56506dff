/**
 * Bank connector and circuit-breaker settings: one module, each value overridable by the environment
 * variable named beside it (the README lists them).
 */

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

export interface BankSettings {
  /** One HTTP attempt's timeout; the seed's bank takes 5–10 s. */
  readonly timeoutMs: number;
  /** Attempts per charge for transient failures (timeouts, 5xx, connection errors); a decline is final. */
  readonly maxAttempts: number;
  /** Backoff before retry n: base * 2^(n-1), with full jitter. */
  readonly backoffBaseMs: number;
  /** Consecutive failed charges that open the breaker. */
  readonly breakerFailureThreshold: number;
  /** How long the breaker stays open before one trial call (half-open). */
  readonly breakerHalfOpenAfterMs: number;
  /** How long a payment left PENDING (bank unavailable) waits before it is tried again. */
  readonly pendingRetryAfterMs: number;
}

export function bankSettings(env: NodeJS.ProcessEnv = process.env): BankSettings {
  return {
    timeoutMs: integer(env, 'ASPAY_BANK_TIMEOUT_MS', 15_000, 1),
    maxAttempts: integer(env, 'ASPAY_BANK_MAX_ATTEMPTS', 3, 1),
    backoffBaseMs: integer(env, 'ASPAY_BANK_BACKOFF_BASE_MS', 500),
    breakerFailureThreshold: integer(env, 'ASPAY_BREAKER_FAILURE_THRESHOLD', 5, 1),
    breakerHalfOpenAfterMs: integer(env, 'ASPAY_BREAKER_HALF_OPEN_AFTER_MS', 30_000, 1),
    pendingRetryAfterMs: integer(env, 'ASPAY_PENDING_RETRY_AFTER_MS', 60_000, 1),
  };
}

/** The DynamoDB item (in the idempotency table) that holds the breaker state shared by every Lambda instance. */
export const BANK_BREAKER_STATE_ID = 'circuit-breaker#bank';
