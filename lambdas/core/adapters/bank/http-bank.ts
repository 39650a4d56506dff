import type { BankSettings } from '../../config/bank';
import { formatAmount, type Money } from '../../domain/money';
import type { Bank } from '../../use-cases/ports/bank';
import { TransientBankError } from '../errors';
import type { RequestSigner } from './aws-iam-signer';
import {
  type BankAlarm,
  type BankAnswerBody,
  type BankAnswerClass,
  type BankConnectorHooks,
  classifyBankAnswer,
} from './bank-answers';
import { bankCircuitBreaker, type CircuitBreakerStateStore, countedByBreaker } from './circuit-breaker';

/** An amount as the bank's API takes it: a decimal string with the currency's number of decimals, and the code. */
function wireAmount(money: Money): { amount: string; currency: string } {
  return { amount: formatAmount(money), currency: money.currency.code };
}

export interface BankHooks extends BankConnectorHooks {
  /** Authenticates each request (the in-stack sandbox bank's function URL takes SigV4-signed ones). */
  sign?: RequestSigner;
}

interface BankAnswer {
  status: number;
  answerClass: Exclude<BankAnswerClass, 'retry'>;
  body: BankAnswerBody & {
    chargeId?: string;
    refundId?: string;
    charges?: LookedUp[];
    refunds?: LookedUp[];
  };
}

/** A charge or refund as a lookup lists it. */
interface LookedUp {
  id?: string;
  status?: string;
  reason?: string;
}

/**
 * The bank behind HTTP, every operation run through the retries and circuit breaker of circuit-breaker.ts.
 * Every answer is classified by the one status table (`classifyBankAnswer`): only a success or a definite
 * decline decides anything; answers that need an operator are reported to `onAlarm` and leave the payment
 * waiting.
 */
export function httpBank(
  baseUrl: string,
  settings: BankSettings,
  breakerState: CircuitBreakerStateStore,
  hooks: BankHooks = {},
): Bank {
  const guarded = bankCircuitBreaker(settings, breakerState, hooks.onBreak);
  // A base URL may end with a slash (a function URL does); the paths start with one.
  const base = baseUrl.replace(/\/+$/, '');

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
    const url = new URL(`${base}${path}`);
    const method = init.body ? 'POST' : 'GET';
    const payload = init.body ? JSON.stringify(init.body) : undefined;
    const headers: Record<string, string> = {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.idempotencyKey ? { 'idempotency-key': init.idempotencyKey } : {}),
    };
    try {
      response = await fetch(url, {
        method,
        headers: hooks.sign ? await hooks.sign(url, { method, headers, body: payload }) : headers,
        body: payload,
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

  /**
   * The charge or refund the bank made with an idempotency key (`GET /v1/<kind>?idempotency_key=`): the first
   * of its list, none, or no answer.
   */
  async function lookup(
    kind: 'charges' | 'refunds',
    idempotencyKey: string,
    abandon: AbortSignal | undefined,
  ): Promise<{ item: LookedUp | undefined; answer: BankAnswer } | { unavailable: string }> {
    const result = await guarded(
      () => call(`/v1/${kind}?idempotency_key=${encodeURIComponent(idempotencyKey)}`, { abandon }),
      abandon,
    );
    if ('circuitOpen' in result) return { unavailable: 'circuit_open' };
    if ('unavailable' in result) return { unavailable: result.unavailable };
    const { answer } = result;
    const items = answer.body[kind];
    if (answer.answerClass !== 'success' || !Array.isArray(items))
      return {
        unavailable: undecided(
          'lookup',
          answer,
          answer.answerClass === 'success' ? `no ${kind} list` : undefined,
        ),
      };
    return { item: items[0], answer };
  }

  /** A charge or refund still running at the bank has no outcome yet (ask again later); any other status is for an operator. */
  function stillRunning(item: LookedUp, answer: BankAnswer, what: 'charge' | 'refund'): string {
    if (item.status === 'pending') return `${what} still in flight at the bank`;
    return undecided('lookup', answer, `${what} status ${item.status}`);
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
        countedByBreaker(request),
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
        countedByBreaker(request),
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

    async lookupCharge(request, abandon) {
      const found = await lookup('charges', request.paymentId, abandon);
      if ('unavailable' in found) return { kind: 'unavailable', reason: found.unavailable };
      const { item: charge } = found;
      if (!charge) return { kind: 'not_found' };
      if (charge.status === 'approved' && charge.id) return { kind: 'approved', chargeId: charge.id };
      if (charge.status === 'declined') return { kind: 'declined', reason: charge.reason ?? 'declined' };
      return { kind: 'unavailable', reason: stillRunning(charge, found.answer, 'charge') };
    },

    async lookupRefund(request, abandon) {
      const found = await lookup('refunds', request.refundId, abandon);
      if ('unavailable' in found) return { kind: 'unavailable', reason: found.unavailable };
      const { item: refund } = found;
      if (!refund) return { kind: 'not_found' };
      if (refund.status === 'refunded' && refund.id) return { kind: 'refunded', bankRefundId: refund.id };
      if (refund.status === 'rejected') return { kind: 'rejected', reason: refund.reason ?? 'rejected' };
      return { kind: 'unavailable', reason: stillRunning(refund, found.answer, 'refund') };
    },
  };
}
