import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LatencyRange } from '../config/sandbox-bank';
import type { SandboxAnswer, SandboxBankStore, SandboxCharge, SandboxRefund } from './store';

/**
 * The bank's sandbox contract, one source for the local simulator (localstack/src/bank) and the in-stack
 * sandbox bank Lambda (lambdas/functions/sandbox-bank.ts). Deterministic test tokens:
 * - `tok_success`   approved
 * - `tok_decline`   declined (402): final, the payment FAILS
 * - `tok_insufficient_funds` declined (422 with a reason): final, the payment FAILS
 * - `tok_bank_error` always 500, never charged: retried, left PENDING, and after the attempt limit FAILED
 *   by reconciliation (the bank has no charge for the key)
 * - `tok_timeout`   never answers in time (`hangMs`)
 * - `tok_answer_lost` charged (approved), but every answer is a 500: reconciliation finds the approved charge
 * - `tok_status_<NNN>` answers HTTP NNN every time without charging (401, 403, 400, 404, 408, 429, …)
 * - `tok_refund_rejected` approved; refunds of the charge are declined (422 with a reason)
 * - `tok_refund_error` approved; refunds of the charge always answer 500
 * - `tok_slow_answer` approved, and refunds of the charge executed, each answering only after `slowAnswerMs`
 *   (3 s): a call is still in flight when a test takes something else away
 * Charges and refunds are idempotent by the `Idempotency-Key` header (ASPay sends the payment or refund id):
 * a repeated key returns the first outcome and never charges twice; a key whose first call is still running
 * answers 409 `idempotency_key_in_use`, as real banks do. `GET /v1/charges?idempotency_key=` and
 * `GET /v1/refunds?idempotency_key=` look a charge or a refund up by its key (reconciliation): decided, still
 * running (`pending`), or none.
 */

export interface SandboxBankOptions {
  readonly store: SandboxBankStore;
  readonly latency: LatencyRange;
  /** How long `tok_timeout` hangs before answering (beyond the connector's timeout). */
  readonly hangMs: number;
  /** How long `tok_slow_answer`'s charges and refunds take to answer. */
  readonly slowAnswerMs: number;
  /**
   * How long a call counts as in flight unless it ends: beyond the longest call the process lets run, so a
   * call whose process died frees its key.
   */
  readonly callLeaseMs: number;
  /** Awaited before a charge or refund is decided: the local simulator's hold switch. */
  readonly beforeDecision?: (kind: 'charges' | 'refunds') => Promise<void> | undefined;
}

/** A request as the sandbox reads it, whatever carried it (a Node.js server, a Lambda function URL). */
export interface SandboxRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly idempotencyKey?: string;
  /** The raw body: JSON, or empty. */
  readonly body: string;
}

/** Sources whose charges the bank approves (the refund tokens differ only in what refunds of them do). */
const APPROVED_SOURCES = new Set([
  'tok_success',
  'tok_refund_rejected',
  'tok_refund_error',
  'tok_slow_answer',
]);
const SLOW_SOURCE = 'tok_slow_answer';
const REFUND_PATH = /^\/v1\/charges\/([^/]+)\/refunds$/;
/** Reconciliation: a charge or a refund looked up by its idempotency key. */
const LOOKUP_PATHS: Readonly<Record<string, 'charges' | 'refunds'>> = {
  '/v1/charges': 'charges',
  '/v1/refunds': 'refunds',
};

/** The idempotency keys of charges and refunds are separate namespaces: a refund may reuse a charge's key. */
export const chargeCall = (key: string) => `charge:${key}`;
export const refundCall = (key: string) => `refund:${key}`;

/** Whether a request is a charge or a refund (the calls the idempotency key governs). */
export function callKindOf(
  request: Pick<SandboxRequest, 'method' | 'path'>,
): 'charge' | 'refund' | undefined {
  if (request.method !== 'POST') return undefined;
  if (request.path === '/v1/charges') return 'charge';
  return REFUND_PATH.test(request.path) ? 'refund' : undefined;
}

export type SandboxBank = (request: SandboxRequest) => Promise<SandboxAnswer>;

export function sandboxBank(options: SandboxBankOptions): SandboxBank {
  const { store, latency, hangMs, slowAnswerMs, callLeaseMs, beforeDecision } = options;
  const delay = () => sleep(latency.min + Math.floor(Math.random() * (latency.max - latency.min + 1)));

  async function once(key: string, perform: () => Promise<SandboxAnswer>): Promise<SandboxAnswer> {
    const start = await store.startCall(key, callLeaseMs);
    if (start.kind === 'answered') return start.answer;
    if (start.kind === 'in_flight') return { status: 409, body: { error: 'idempotency_key_in_use' } };
    let answer: SandboxAnswer | undefined;
    try {
      answer = await perform();
      return answer;
    } finally {
      // Errors are not outcomes: the next retry with this key tries again.
      await store.finishCall(key, start.token, answer && answer.status < 500 ? answer : undefined);
    }
  }

  async function record(
    body: Record<string, unknown>,
    key: string,
    decision: Pick<SandboxCharge, 'status' | 'reason'>,
  ): Promise<SandboxCharge> {
    const charge: SandboxCharge = {
      id: `ch_${randomUUID()}`,
      ...decision,
      idempotencyKey: key,
      reference: String(body.reference ?? ''),
      amount: String(body.amount ?? ''),
      currency: String(body.currency ?? ''),
      source: String(body.source ?? ''),
      createdAt: new Date().toISOString(),
    };
    await store.saveCharge(charge);
    return charge;
  }

  async function charge(body: Record<string, unknown>, key: string): Promise<SandboxAnswer> {
    await delay();
    await beforeDecision?.('charges');
    const source = String(body.source ?? '');
    if (source === 'tok_timeout') {
      await sleep(hangMs);
      return { status: 504, body: { error: 'timeout' } };
    }
    if (source === 'tok_bank_error') return { status: 500, body: { error: 'bank_internal_error' } };
    const simulated = /^tok_status_(\d{3})$/.exec(source);
    if (simulated) return { status: Number(simulated[1]), body: { error: `simulated_${simulated[1]}` } };
    if (source === 'tok_answer_lost') {
      if (!(await store.chargeByKey(key))) await record(body, key, { status: 'approved' });
      return { status: 500, body: { error: 'bank_internal_error' } };
    }
    if (source === 'tok_decline') {
      await record(body, key, { status: 'declined', reason: 'card_declined' });
      return { status: 402, body: { status: 'declined', reason: 'card_declined' } };
    }
    if (source === 'tok_insufficient_funds') {
      await record(body, key, { status: 'declined', reason: 'insufficient_funds' });
      return { status: 422, body: { status: 'declined', reason: 'insufficient_funds' } };
    }
    if (APPROVED_SOURCES.has(source)) {
      if (source === SLOW_SOURCE) await sleep(slowAnswerMs);
      const accepted = await record(body, key, { status: 'approved' });
      return { status: 201, body: { status: 'approved', chargeId: accepted.id } };
    }
    await record(body, key, { status: 'declined', reason: 'unknown_source' });
    return { status: 402, body: { status: 'declined', reason: 'unknown_source' } };
  }

  async function recordRefund(
    chargeId: string,
    body: Record<string, unknown>,
    key: string,
    decision: Pick<SandboxRefund, 'status' | 'reason'>,
  ): Promise<SandboxRefund> {
    const refunded: SandboxRefund = {
      id: `re_${randomUUID()}`,
      chargeId,
      ...decision,
      amount: String(body.amount ?? ''),
      idempotencyKey: key,
      createdAt: new Date().toISOString(),
    };
    await store.saveRefund(refunded);
    return refunded;
  }

  async function refund(
    chargeId: string,
    body: Record<string, unknown>,
    key: string,
  ): Promise<SandboxAnswer> {
    await delay();
    await beforeDecision?.('refunds');
    const charged = await store.chargeById(chargeId);
    if (charged?.status !== 'approved') return { status: 404, body: { error: 'no_such_charge' } };
    if (charged.source === 'tok_refund_error') return { status: 500, body: { error: 'bank_internal_error' } };
    if (charged.source === 'tok_refund_rejected') {
      await recordRefund(chargeId, body, key, { status: 'rejected', reason: 'refund_rejected' });
      return { status: 422, body: { status: 'declined', reason: 'refund_rejected' } };
    }
    if (charged.source === SLOW_SOURCE) await sleep(slowAnswerMs);
    const { id } = await recordRefund(chargeId, body, key, { status: 'refunded' });
    return { status: 201, body: { status: 'refunded', refundId: id } };
  }

  /** The charge or refund made with an idempotency key: decided, still running (`pending`), or none. */
  async function lookup(kind: 'charges' | 'refunds', key: string): Promise<SandboxAnswer> {
    const found = kind === 'charges' ? await store.chargeByKey(key) : await store.refundByKey(key);
    const running = () => store.callInFlight(kind === 'charges' ? chargeCall(key) : refundCall(key));
    const decided = found
      ? [{ id: found.id, status: found.status, reason: found.reason, createdAt: found.createdAt }]
      : (await running())
        ? [{ status: 'pending' }]
        : [];
    return { status: 200, body: { [kind]: decided } };
  }

  return async (request) => {
    let body: Record<string, unknown>;
    try {
      body = request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
    } catch {
      return { status: 400, body: { error: 'bad_request' } };
    }
    const lookedUp = LOOKUP_PATHS[request.path];
    if (lookedUp && request.method === 'GET')
      return lookup(lookedUp, request.query.get('idempotency_key') ?? '');
    const kind = callKindOf(request);
    if (!kind) return { status: 404, body: { error: 'not_found' } };
    const key = request.idempotencyKey;
    if (!key) return { status: 400, body: { error: 'idempotency_key_required' } };
    if (kind === 'charge') return once(chargeCall(key), () => charge(body, key));
    const chargeId = decodeURIComponent(REFUND_PATH.exec(request.path)?.[1] ?? '');
    return once(refundCall(key), () => refund(chargeId, body, key));
  };
}
