import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  wrap,
} from 'cockatiel';
import { type BankSettings, bankCallRetry } from '../../config/bank';
import { retryDecision } from '../../use-cases/retry-decision';

/** The breaker's shared state as one instance read it, and the version a write must still find. */
export interface StoredBreakerState {
  readonly state: unknown;
  /** 0 before the first write. */
  readonly version: number;
}

/**
 * Where the breaker's state is kept between uses (dynamodb/circuit-breaker-state.ts). Declared here, beside
 * its one user: no use case sees the breaker, so it is not a use-case port.
 */
export interface CircuitBreakerStateStore {
  load(): Promise<StoredBreakerState>;
  /** Writes `state` if the stored version is still `version`; false when another instance wrote meanwhile. */
  save(state: unknown, version: number): Promise<boolean>;
}

/** Writes of one outcome that found the state changed by another instance, before the outcome is dropped. */
const RECORD_ATTEMPTS = 5;

/** How a guarded bank operation ended: its answer, the bank unavailable (and why), or the breaker open. */
export type Guarded<T> = { answer: T } | { unavailable: string } | { circuitOpen: true };

/**
 * Runs one bank operation (with its retries) through the shared breaker; `abandon` ends it early. An operation
 * that is not `counted` is held back while the breaker is open and may be its trial call, but while it is
 * closed it neither opens nor resets it.
 */
export type BankCircuit = <T>(
  operation: () => Promise<T>,
  abandon: AbortSignal | undefined,
  counted?: boolean,
) => Promise<Guarded<T>>;

/**
 * Whether a charge or refund counts toward opening the breaker: its first attempt does, a retry of one the
 * bank left undecided does not. In an outage every first attempt fails and opens it; a payment the bank always
 * fails, retried by the sweep with its backoff, would otherwise open it for everyone.
 */
export function countedByBreaker(request: { readonly earlierAttempts?: number }): boolean {
  return !request.earlierAttempts;
}

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

  const breakerFrom = (stored: StoredBreakerState): CircuitBreakerPolicy =>
    circuitBreaker(isTransient, {
      halfOpenAfter: settings.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(settings.breakerFailureThreshold),
      initialState: stored.state ?? undefined,
    });

  /**
   * Writes what `breaker` made of the outcome, unless it changed nothing. The write is conditional on the
   * state read before the call: when another instance wrote meanwhile (a trial call that closed the breaker,
   * say), the outcome is applied again to what that instance wrote. A failure whose call began before a
   * success closed the breaker counts as one failure of the closed breaker, instead of writing back the open
   * breaker it started from.
   */
  async function record(
    stored: StoredBreakerState,
    breaker: CircuitBreakerPolicy,
    opened: boolean,
    outcome: Outcome<unknown>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const next = breaker.toJSON();
      if (JSON.stringify(next) === JSON.stringify(stored.state)) return;
      if (await state.save(next, stored.version)) {
        if (opened) onBreak();
        return;
      }
      if (attempt === RECORD_ATTEMPTS) return;
      stored = await state.load();
      breaker = breakerFrom(stored);
      // The same outcome through the same policy: an open breaker ignores it, a closed one counts it.
      ({ opened } = await throughBreaker(breaker, () =>
        breaker.execute(async () => {
          if ('error' in outcome) throw outcome.error;
        }),
      ));
    }
  }

  return async (operation, abandon, counted = true) => {
    const stored = await state.load();
    const breaker = breakerFrom(stored);
    if (!counted && breaker.state === CircuitState.Closed)
      return guardedOutcome(await settle(() => retryPolicy.execute(operation, abandon)), abandon);
    // The breaker counts whole operations (after retries), so one slow charge does not open it.
    // The signal also ends the retries' waits (cockatiel then throws TaskCancelledError).
    const { outcome, opened } = await throughBreaker(breaker, () =>
      wrap(breaker, retryPolicy).execute(operation, abandon),
    );
    // Written only when this operation changed it: a healthy bank (closed, no failure) costs no write per call.
    await record(stored, breaker, opened, outcome);
    return guardedOutcome(outcome, abandon);
  };
}

type Outcome<T> = { answer: T } | { error: unknown };

async function settle<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { answer: await run() };
  } catch (error) {
    return { error };
  }
}

/** Runs `run` (which goes through `breaker`): its outcome, and whether it opened the breaker. */
async function throughBreaker<T>(
  breaker: CircuitBreakerPolicy,
  run: () => Promise<T>,
): Promise<{ outcome: Outcome<T>; opened: boolean }> {
  let opened = false;
  const listener = breaker.onBreak(() => {
    opened = true;
  });
  const outcome = await settle(run);
  listener.dispose();
  return { outcome, opened };
}

function guardedOutcome<T>(outcome: Outcome<T>, abandon: AbortSignal | undefined): Guarded<T> {
  if ('answer' in outcome) return { answer: outcome.answer };
  const { error } = outcome;
  if (abandon?.aborted) return { unavailable: `the call was abandoned: ${String(abandon.reason)}` };
  if (error instanceof BrokenCircuitError) return { circuitOpen: true };
  if (error instanceof Error && retryDecision(error, 'bank').retry) return { unavailable: error.message };
  throw error;
}
