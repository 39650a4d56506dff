import { RateLimitedError } from '../domain/errors';
/**
 * The per-merchant rate limit as the API applies it: a merchant's request draws on its shared budget (the
 * rule and its settings: domain/rate-limit.ts; the budget: adapters/dynamodb/rate-limit-store.ts), through the
 * small allowances each instance holds.
 */
import type { RequestRate } from '../domain/rate-limit';
import type { RateLimitStore } from './ports/merchants';

/** Each merchant's request rate and where its budget is kept; built once per container (wiring/rate-limit.ts). */
export interface MerchantRateLimit {
  readonly limiter: RateLimitStore;
  readonly rate: RequestRate;
}

/** Lets a merchant's request through while the merchant is within its rate; throws RateLimitedError otherwise. */
export async function admitMerchantRequest(
  limiter: RateLimitStore,
  merchantId: string,
  rate: RequestRate,
  nowMs: number = Date.now(),
): Promise<void> {
  const outcome = await limiter.take(merchantId, rate, nowMs);
  if (!outcome.admitted) throw new RateLimitedError(outcome.retryAfterSeconds);
}

/**
 * How much of a merchant's sustained rate one take from the shared budget may hold: 100 ms of it. The
 * allowances all instances hold are what the shared budget has lent out and not yet seen used.
 */
const ALLOWANCE_WINDOW_MS = 100;
/** A held allowance is used within this time of its take or not at all. */
const ALLOWANCE_HOLD_MS = 1_000;

interface Allowance {
  left: number;
  takenAtMs: number;
  /** Requests admitted since the take (the one that made it included). */
  used: number;
}

/**
 * The most requests one take may hold: 100 ms of the sustained rate, and never more than the burst. At 100
 * requests per second that is 10, so a busy instance asks the shared budget once per 10 requests.
 */
export function largestTake(rate: RequestRate): number {
  return Math.max(1, Math.min(rate.burst, Math.floor((rate.perSecond * ALLOWANCE_WINDOW_MS) / 1000)));
}

/**
 * Draws on `shared` in small takes and admits the requests of one instance (a Lambda execution environment)
 * from what it holds, so that most requests cost no call to the shared budget. Every admitted request was
 * taken from the shared budget, so the merchant is never admitted more than its rate allows, except by what
 * the instances hold at a time and use later (at most 100 ms of its rate each, used within 1 s). A take's size
 * follows the instance's own demand: doubled while it used the last take up within 100 ms, else what it used
 * per 100 ms; an instance serving a small share of the merchant's requests takes one at a time. What an
 * instance still holds when its demand stops is lost to the merchant, at most one take. When a take does not
 * fit, one request is asked for, so that the merchant is refused only when the shared budget has no room left.
 */
export function requestAllowance(shared: RateLimitStore): RateLimitStore {
  const allowances = new Map<string, Allowance>();
  /** One take at a time per merchant: the requests that arrive meanwhile wait for it (the local stack's emulation serves several at once). */
  const taking = new Map<string, Promise<unknown>>();

  function nextTakeSize(rate: RequestRate, previous: Allowance | undefined, nowMs: number): number {
    if (!previous) return 1;
    const elapsedMs = nowMs - previous.takenAtMs;
    const wanted =
      elapsedMs < ALLOWANCE_WINDOW_MS
        ? previous.used * 2
        : Math.ceil((previous.used * ALLOWANCE_WINDOW_MS) / elapsedMs);
    return Math.max(1, Math.min(largestTake(rate), wanted));
  }

  async function take(key: string, rate: RequestRate, nowMs: number) {
    const size = nextTakeSize(rate, allowances.get(key), nowMs);
    let outcome = await shared.take(key, rate, nowMs, size);
    let taken = size;
    if (!outcome.admitted && size > 1) {
      outcome = await shared.take(key, rate, nowMs, 1);
      taken = 1;
    }
    if (outcome.admitted) allowances.set(key, { left: taken - 1, takenAtMs: nowMs, used: 1 });
    return outcome;
  }

  return {
    async take(key, rate, nowMs, count = 1) {
      if (count !== 1) return shared.take(key, rate, nowMs, count);
      for (;;) {
        const held = allowances.get(key);
        if (held && held.left > 0 && nowMs - held.takenAtMs < ALLOWANCE_HOLD_MS) {
          held.left -= 1;
          held.used += 1;
          return { admitted: true };
        }
        const pending = taking.get(key);
        if (pending) {
          await pending.catch(() => undefined);
          continue;
        }
        const outcome = take(key, rate, nowMs);
        taking.set(key, outcome);
        try {
          return await outcome;
        } finally {
          taking.delete(key);
        }
      }
    },
  };
}
