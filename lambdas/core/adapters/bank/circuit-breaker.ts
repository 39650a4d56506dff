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
import { type BankSettings, bankCallRetry } from '../../config/bank';
import { retryDecision } from '../../use-cases/retry-decision';

/**
 * Where the breaker's state is kept between uses (dynamodb/circuit-breaker-state.ts). Declared here, beside
 * its one user: no use case sees the breaker, so it is not a use-case port.
 */
export interface CircuitBreakerStateStore {
  load(): Promise<unknown>;
  save(state: unknown): Promise<void>;
}

/** How a guarded bank operation ended: its answer, the bank unavailable (and why), or the breaker open. */
export type Guarded<T> = { answer: T } | { unavailable: string } | { circuitOpen: true };

/** Runs one bank operation (with its retries) through the shared breaker; `abandon` ends it early. */
export type BankCircuit = <T>(
  operation: () => Promise<T>,
  abandon: AbortSignal | undefined,
) => Promise<Guarded<T>>;

/**
 * The bank's retries (exponential backoff, jitter) for transient failures only (TransientBankError, by
 * the retry decision), inside a circuit breaker
 * (cockatiel). Lambda instances come and go, so the breaker's state is loaded from a shared store before
 * every use and saved to it when the use changed it. `onBreak` is told when this instance opens the breaker.
 */
export function bankCircuitBreaker(
  settings: BankSettings,
  state: CircuitBreakerStateStore,
  onBreak: () => void = () => undefined,
): BankCircuit {
  // What the retries retry is what the breaker counts: the bank's transient failures (retry-decision.ts).
  const isTransient = handleWhen((error) => retryDecision(error, 'bank').retry);
  // The schedule of config/retry-policies.ts (BANK_CALL_RETRY); cockatiel adds its decorrelated jitter.
  const { retries, backoff } = bankCallRetry(settings);
  const retryPolicy = retry(isTransient, {
    maxAttempts: retries,
    backoff: new ExponentialBackoff({ initialDelay: backoff.baseMs, maxDelay: backoff.maxMs }),
  });

  return async (operation, abandon) => {
    const loaded = await state.load();
    const breaker: CircuitBreakerPolicy = circuitBreaker(isTransient, {
      halfOpenAfter: settings.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(settings.breakerFailureThreshold),
      initialState: loaded ?? undefined,
    });
    const listener = breaker.onBreak(onBreak);
    try {
      // The breaker counts whole operations (after retries), so one slow charge does not open it.
      // The signal also ends the retries' waits (cockatiel then throws TaskCancelledError).
      return { answer: await wrap(breaker, retryPolicy).execute(operation, abandon) };
    } catch (error) {
      if (abandon?.aborted) return { unavailable: `the call was abandoned: ${String(abandon.reason)}` };
      if (error instanceof BrokenCircuitError) return { circuitOpen: true };
      if (error instanceof Error && retryDecision(error, 'bank').retry) return { unavailable: error.message };
      throw error;
    } finally {
      listener.dispose();
      // Written only when this operation changed it: a healthy bank (closed, no failure) costs no write per
      // call, and an unchanged state never overwrites one another instance wrote meanwhile (a breaker it opened).
      const saved = breaker.toJSON();
      if (JSON.stringify(saved) !== JSON.stringify(loaded)) await state.save(saved);
    }
  };
}
