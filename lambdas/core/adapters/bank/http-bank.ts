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
import {
  type BankAnswerBody,
  type BankAnswerClass,
  type BankSettings,
  bankCallRetry,
  classifyBankAnswer,
} from '../../config/bank';
import { AspayError } from '../../domain/errors';
import { formatAmount, type Money } from '../../domain/money';
import type { Bank } from '../../use-cases/ports/bank';

/** An error of the bank or of the way it is reached. */
/** An amount as the bank's API takes it: a decimal string with the currency's number of decimals, and the code. */
function wireAmount(money: Money): { amount: string; currency: string } {
  return { amount: formatAmount(money), currency: money.currency.code };
}

export abstract class BankError extends AspayError {}

/** A failure worth retrying: the bank may answer differently next time (timeouts, 5xx, 408/425/429, connection errors). */
export class TransientBankError extends BankError {
  override readonly name = 'TransientBankError';
  readonly type = 'bank_unavailable';
}

export interface BreakerStateStore {
  load(): Promise<unknown>;
  save(state: unknown): Promise<void>;
}

/** An answer only an operator can act on (our credentials, or a contract mismatch): never a payment decision. */
export interface BankAlarm {
  readonly operation: 'charge' | 'refund' | 'lookup';
  readonly status: number;
  readonly answerClass: Extract<BankAnswerClass, 'credentials' | 'contract'>;
  readonly detail: string;
}

export interface BankHooks {
  /** Told when this instance opens the breaker (for logs and the CircuitBreakerOpen metric). */
  onBreak?: () => void;
  /** Told of every answer that needs an operator (for an error log and the BankContractErrors metric). */
  onAlarm?: (alarm: BankAlarm) => void;
}

interface BankAnswer {
  status: number;
  answerClass: Exclude<BankAnswerClass, 'retry'>;
  body: BankAnswerBody & {
    chargeId?: string;
    refundId?: string;
    charges?: { id?: string; status?: string; reason?: string }[];
  };
}

/**
 * The bank behind HTTP, with retries (exponential backoff, jitter) for transient failures only and a
 * circuit breaker (cockatiel). Every answer is classified by the one status table (`classifyBankAnswer`):
 * only a success or a definite decline decides anything; answers that need an operator are reported to
 * `onAlarm` and leave the payment waiting. Lambda instances come and go, so the breaker's state is loaded
 * from a shared store before every use and saved to it when the use changed it.
 */
export function httpBank(
  baseUrl: string,
  settings: BankSettings,
  breakerState: BreakerStateStore,
  hooks: BankHooks = {},
): Bank {
  const isTransient = handleWhen((error) => error instanceof TransientBankError);
  // The schedule of config/retry-policies.ts (BANK_CALL_RETRY); cockatiel adds its decorrelated jitter.
  const { retries, backoff } = bankCallRetry(settings);
  const retryPolicy = retry(isTransient, {
    maxAttempts: retries,
    backoff: new ExponentialBackoff({ initialDelay: backoff.baseMs, maxDelay: backoff.maxMs }),
  });

  async function call(
    path: string,
    init: { idempotencyKey?: string; body?: object; abandon?: AbortSignal },
  ): Promise<BankAnswer> {
    const { abandon } = init;
    // An abandoned call is not the bank's failure: its error is not a TransientBankError, so it is neither
    // retried nor counted by the breaker (cockatiel counts only the errors its policy handles).
    abandon?.throwIfAborted();
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method: init.body ? 'POST' : 'GET',
        headers: {
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...(init.idempotencyKey ? { 'idempotency-key': init.idempotencyKey } : {}),
        },
        body: init.body ? JSON.stringify(init.body) : undefined,
        signal: abandon ? AbortSignal.any([timeout, abandon]) : timeout,
      });
    } catch (error) {
      if (abandon?.aborted) throw error;
      throw new TransientBankError(`bank unreachable: ${(error as Error).name}`, { cause: error });
    }
    const body = (await response.json().catch(() => ({}))) as BankAnswer['body'];
    const answerClass = classifyBankAnswer(response.status, body);
    if (answerClass === 'retry') throw new TransientBankError(`bank answered ${response.status}`);
    return { status: response.status, answerClass, body };
  }

  /** Runs one bank operation (with its retries) through the shared breaker, or says why the bank is unavailable. */
  async function guarded(
    operation: () => Promise<BankAnswer>,
    abandon: AbortSignal | undefined,
  ): Promise<{ answer: BankAnswer } | { unavailable: string } | { circuitOpen: true }> {
    const loaded = await breakerState.load();
    const breaker: CircuitBreakerPolicy = circuitBreaker(isTransient, {
      halfOpenAfter: settings.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(settings.breakerFailureThreshold),
      initialState: loaded ?? undefined,
    });
    const listener = breaker.onBreak(hooks.onBreak ?? (() => undefined));
    try {
      // The breaker counts whole operations (after retries), so one slow charge does not open it.
      // The signal also ends the retries' waits (cockatiel then throws TaskCancelledError).
      return { answer: await wrap(breaker, retryPolicy).execute(operation, abandon) };
    } catch (error) {
      if (abandon?.aborted) return { unavailable: `the call was abandoned: ${String(abandon.reason)}` };
      if (error instanceof BrokenCircuitError) return { circuitOpen: true };
      if (error instanceof TransientBankError) return { unavailable: error.message };
      throw error;
    } finally {
      listener.dispose();
      // Written only when this operation changed it: a healthy bank (closed, no failure) costs no write per
      // call, and an unchanged state never overwrites one another instance wrote meanwhile (a breaker it opened).
      const state = breaker.toJSON();
      if (JSON.stringify(state) !== JSON.stringify(loaded)) await breakerState.save(state);
    }
  }

  /** The reason to wait for an answer that decides nothing; answers that need an operator raise the alarm. */
  function undecided(operation: BankAlarm['operation'], answer: BankAnswer, detail?: string): string {
    const reason = `bank answered ${answer.status} (${detail ?? answer.body.error ?? answer.body.reason ?? answer.answerClass})`;
    if (answer.answerClass === 'credentials' || answer.answerClass === 'contract' || detail)
      hooks.onAlarm?.({
        operation,
        status: answer.status,
        answerClass: answer.answerClass === 'credentials' ? 'credentials' : 'contract',
        detail: reason,
      });
    return reason;
  }

  return {
    async charge(request, abandon) {
      const result = await guarded(
        () =>
          call('/v1/charges', {
            idempotencyKey: request.paymentId,
            body: {
              ...wireAmount(request.amount),
              source: request.source,
              reference: request.paymentId,
            },
            abandon,
          }),
        abandon,
      );
      if ('circuitOpen' in result) return { kind: 'circuit_open' };
      if ('unavailable' in result) return { kind: 'unavailable', reason: result.unavailable };
      const { answer } = result;
      if (answer.answerClass === 'decline')
        return { kind: 'declined', reason: answer.body.reason ?? `bank_${answer.status}` };
      if (answer.answerClass === 'success' && answer.body.chargeId)
        return { kind: 'approved', chargeId: String(answer.body.chargeId) };
      return {
        kind: 'unavailable',
        reason: undecided('charge', answer, answer.answerClass === 'success' ? 'no charge id' : undefined),
      };
    },

    async refund(request, abandon) {
      const result = await guarded(
        () =>
          call(`/v1/charges/${encodeURIComponent(request.chargeId)}/refunds`, {
            idempotencyKey: request.refundId,
            body: wireAmount(request.amount),
            abandon,
          }),
        abandon,
      );
      if ('circuitOpen' in result) return { kind: 'circuit_open' };
      if ('unavailable' in result) return { kind: 'unavailable', reason: result.unavailable };
      const { answer } = result;
      if (answer.answerClass === 'decline')
        return { kind: 'rejected', reason: answer.body.reason ?? `bank_${answer.status}` };
      if (answer.answerClass === 'success' && answer.body.refundId)
        return { kind: 'refunded', bankRefundId: String(answer.body.refundId) };
      return {
        kind: 'unavailable',
        reason: undecided('refund', answer, answer.answerClass === 'success' ? 'no refund id' : undefined),
      };
    },

    async lookupCharge(idempotencyKey, abandon) {
      const result = await guarded(
        () => call(`/v1/charges?idempotency_key=${encodeURIComponent(idempotencyKey)}`, { abandon }),
        abandon,
      );
      if ('circuitOpen' in result) return { kind: 'unavailable', reason: 'circuit_open' };
      if ('unavailable' in result) return { kind: 'unavailable', reason: result.unavailable };
      const { answer } = result;
      const charges = answer.body.charges;
      if (answer.answerClass !== 'success' || !Array.isArray(charges))
        return {
          kind: 'unavailable',
          reason: undecided(
            'lookup',
            answer,
            answer.answerClass === 'success' ? 'no charge list' : undefined,
          ),
        };
      const [charge] = charges;
      if (!charge) return { kind: 'not_found' };
      if (charge.status === 'approved' && charge.id) return { kind: 'approved', chargeId: charge.id };
      if (charge.status === 'declined') return { kind: 'declined', reason: charge.reason ?? 'declined' };
      // A charge still running at the bank has no outcome yet: ask again later.
      if (charge.status === 'pending')
        return { kind: 'unavailable', reason: 'charge still in flight at the bank' };
      return { kind: 'unavailable', reason: undecided('lookup', answer, `charge status ${charge.status}`) };
    },
  };
}
