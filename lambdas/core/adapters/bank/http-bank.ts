import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  wrap,
} from 'cockatiel';
import type { BankSettings } from '../../config/bank';
import type { Bank, ChargeOutcome, ChargeRequest } from '../../use-cases/ports';

/** A failure worth retrying: the bank may answer differently next time (timeouts, 5xx, connection errors). */
export class TransientBankError extends Error {
  override readonly name = 'TransientBankError';
}

export interface BreakerStateStore {
  load(): Promise<unknown>;
  save(state: unknown): Promise<void>;
}

/**
 * The bank behind HTTP, with retries (exponential backoff, full jitter) for transient failures only and a
 * circuit breaker (cockatiel). A decline is final and never retried. Lambda instances come and go, so the
 * breaker's state is loaded from and saved to a shared store around every use.
 */
export function httpBank(
  baseUrl: string,
  settings: BankSettings,
  breakerState: BreakerStateStore,
  /** Told when this instance opens the breaker (for logs and the CircuitBreakerOpen metric). */
  onBreak: () => void = () => undefined,
): Bank {
  const isTransient = handleWhen((error) => error instanceof TransientBankError);
  const retryPolicy = retry(isTransient, {
    maxAttempts: settings.maxAttempts - 1,
    backoff: new ExponentialBackoff({ initialDelay: settings.backoffBaseMs, maxDelay: 30_000 }),
  });

  async function attempt(request: ChargeRequest): Promise<ChargeOutcome> {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/v1/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': request.paymentId },
        body: JSON.stringify({
          amount: request.amount,
          currency: request.currency,
          source: request.source,
          reference: request.paymentId,
        }),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
    } catch (error) {
      throw new TransientBankError(`bank unreachable: ${(error as Error).name}`);
    }
    if (response.status >= 500 || response.status === 429)
      throw new TransientBankError(`bank answered ${response.status}`);
    const body = (await response.json().catch(() => ({}))) as { chargeId?: string; reason?: string };
    if (response.status === 201 || response.status === 200)
      return { kind: 'approved', chargeId: String(body.chargeId) };
    return { kind: 'declined', reason: body.reason ?? `bank_${response.status}` };
  }

  async function withBreaker<T>(use: (breaker: CircuitBreakerPolicy) => Promise<T>): Promise<T> {
    const breaker = circuitBreaker(isTransient, {
      halfOpenAfter: settings.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(settings.breakerFailureThreshold),
      initialState: (await breakerState.load()) ?? undefined,
    });
    const listener = breaker.onBreak(onBreak);
    try {
      return await use(breaker);
    } finally {
      listener.dispose();
      await breakerState.save(breaker.toJSON());
    }
  }

  return {
    charge(request) {
      return withBreaker(async (breaker) => {
        try {
          // The breaker counts whole charges (after retries), so one slow charge does not open it.
          return await wrap(breaker, retryPolicy).execute(() => attempt(request));
        } catch (error) {
          if (error instanceof BrokenCircuitError) return { kind: 'unavailable', reason: 'circuit_open' };
          if (error instanceof TransientBankError) return { kind: 'unavailable', reason: error.message };
          throw error;
        }
      });
    },
  };
}
