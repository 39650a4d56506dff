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
import type { Bank } from '../../use-cases/ports';

/** A failure worth retrying: the bank may answer differently next time (timeouts, 5xx, connection errors). */
export class TransientBankError extends Error {
  override readonly name = 'TransientBankError';
}

export interface BreakerStateStore {
  load(): Promise<unknown>;
  save(state: unknown): Promise<void>;
}

interface BankAnswer {
  status: number;
  body: { chargeId?: string; refundId?: string; reason?: string; error?: string };
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

  async function post(path: string, idempotencyKey: string, body: object): Promise<BankAnswer> {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
    } catch (error) {
      throw new TransientBankError(`bank unreachable: ${(error as Error).name}`);
    }
    if (response.status >= 500 || response.status === 429)
      throw new TransientBankError(`bank answered ${response.status}`);
    return { status: response.status, body: (await response.json().catch(() => ({}))) as BankAnswer['body'] };
  }

  /** Runs one bank operation (with its retries) through the shared breaker, or says why the bank is unavailable. */
  async function guarded(
    operation: () => Promise<BankAnswer>,
  ): Promise<{ answer: BankAnswer } | { unavailable: string }> {
    const breaker: CircuitBreakerPolicy = circuitBreaker(isTransient, {
      halfOpenAfter: settings.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(settings.breakerFailureThreshold),
      initialState: (await breakerState.load()) ?? undefined,
    });
    const listener = breaker.onBreak(onBreak);
    try {
      // The breaker counts whole operations (after retries), so one slow charge does not open it.
      return { answer: await wrap(breaker, retryPolicy).execute(operation) };
    } catch (error) {
      if (error instanceof BrokenCircuitError) return { unavailable: 'circuit_open' };
      if (error instanceof TransientBankError) return { unavailable: error.message };
      throw error;
    } finally {
      listener.dispose();
      await breakerState.save(breaker.toJSON());
    }
  }

  return {
    async charge(request) {
      const result = await guarded(() =>
        post('/v1/charges', request.paymentId, {
          amount: request.amount,
          currency: request.currency,
          source: request.source,
          reference: request.paymentId,
        }),
      );
      if ('unavailable' in result) return { kind: 'unavailable', reason: result.unavailable };
      const { status, body } = result.answer;
      if (status === 200 || status === 201) return { kind: 'approved', chargeId: String(body.chargeId) };
      return { kind: 'declined', reason: body.reason ?? `bank_${status}` };
    },

    async refund(request) {
      const result = await guarded(() =>
        post(`/v1/charges/${encodeURIComponent(request.chargeId)}/refunds`, request.refundId, {
          amount: request.amount,
          currency: request.currency,
        }),
      );
      if ('unavailable' in result) return { kind: 'unavailable', reason: result.unavailable };
      const { status, body } = result.answer;
      if (status === 200 || status === 201) return { kind: 'refunded', bankRefundId: String(body.refundId) };
      return { kind: 'rejected', reason: body.error ?? body.reason ?? `bank_${status}` };
    },
  };
}
