import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The third-party bank, simulated for local runs and tests. Deterministic test tokens:
 * - `tok_success`   approved
 * - `tok_decline`   declined (402): final, the payment FAILS
 * - `tok_insufficient_funds` declined (422 with a reason): final, the payment FAILS
 * - `tok_bank_error` always 500, never charged: retried, left PENDING, and after the attempt limit FAILED
 *   by reconciliation (the bank has no charge for the key)
 * - `tok_timeout`   never answers in time
 * - `tok_answer_lost` charged (approved), but every answer is a 500: reconciliation finds the approved charge
 * - `tok_status_<NNN>` answers HTTP NNN every time without charging (401, 403, 400, 404, 408, 429, …)
 * - `tok_refund_rejected` approved; refunds of the charge are declined (422 with a reason)
 * - `tok_refund_error` approved; refunds of the charge always answer 500
 * - `tok_slow_answer` approved, and refunds of the charge executed, each answering only after `slowAnswerMs`
 *   (3 s): a call is still in flight when a test takes something else away
 * Charges and refunds are idempotent by the `Idempotency-Key` header (ASPay sends the payment or refund id):
 * a repeated key returns the first outcome and never charges twice; a key whose first call is still running
 * answers 409 `idempotency_key_in_use`, as real banks do. `GET /v1/charges?idempotency_key=` looks a charge
 * up by its key (reconciliation). `/admin/*` lets tests switch an outage on, hold charges or refunds
 * mid-call (`POST /admin/hold {"kind": "charges" | "refunds", "enabled": true}`: decided, unanswered until
 * released, so a test can act while a bank call is in flight), read every charge the bank accepted, and
 * count the calls made with one idempotency key.
 */

export interface LatencyRange {
  min: number;
  max: number;
}

/** `ASPAY_BANK_LATENCY_MS`: "5000-10000" (the seed's slow bank, the default), "250", or "0" for instant. */
export function parseLatency(raw: string | undefined): LatencyRange {
  const text = raw === undefined || raw === '' ? '5000-10000' : raw;
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`ASPAY_BANK_LATENCY_MS must be "<ms>" or "<min>-<max>", got "${text}"`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) throw new Error(`ASPAY_BANK_LATENCY_MS range is reversed: "${text}"`);
  return { min, max };
}

interface Charge {
  id: string;
  status: 'approved' | 'declined';
  reason?: string;
  idempotencyKey: string;
  reference: string;
  amount: string;
  currency: string;
  source: string;
  createdAt: string;
}

interface Outcome {
  status: number;
  body: unknown;
}

export interface BankSimulatorOptions {
  latency: LatencyRange;
  /** How long `tok_timeout` hangs before answering (far beyond any client timeout). */
  hangMs?: number;
  /** How long `tok_slow_answer`'s charges and refunds take to answer. */
  slowAnswerMs?: number;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(response: ServerResponse, { status, body }: Outcome): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Sources whose charges the bank approves (the refund tokens differ only in what refunds of them do). */
const APPROVED_SOURCES = new Set([
  'tok_success',
  'tok_refund_rejected',
  'tok_refund_error',
  'tok_slow_answer',
]);
const SLOW_SOURCE = 'tok_slow_answer';

export function createBankSimulator(options: BankSimulatorOptions): Server {
  return createServer(bankSimulator(options));
}

/** Where the local stack's live bank answers, beside its sandbox at the root of the same server. */
export const LIVE_BANK_PATH = '/live';

/**
 * The bank's sandbox at `/` and its live bank under `/live`: two banks with books of their own (a charge in
 * one is unknown to the other), so a test can tell which one a payment reached.
 */
export function createSandboxAndLiveBank(options: BankSimulatorOptions): Server {
  const sandbox = bankSimulator(options);
  const live = bankSimulator(options);
  return createServer((request, response) => {
    const url = request.url ?? '/';
    if (
      url !== LIVE_BANK_PATH &&
      !url.startsWith(`${LIVE_BANK_PATH}/`) &&
      !url.startsWith(`${LIVE_BANK_PATH}?`)
    )
      return sandbox(request, response);
    request.url = url.slice(LIVE_BANK_PATH.length) || '/';
    return live(request, response);
  });
}

type HeldKind = 'charges' | 'refunds';

function bankSimulator({
  latency,
  hangMs = 10 * 60_000,
  slowAnswerMs = 3_000,
}: BankSimulatorOptions): RequestListener {
  const charges: Charge[] = [];
  const refunds: {
    id: string;
    chargeId: string;
    amount: string;
    idempotencyKey: string;
    createdAt: string;
  }[] = [];
  // Charges by idempotency key, approved and declined alike: what a lookup by key finds.
  const chargesByKey = new Map<string, Charge>();
  // Final outcomes by idempotency key, and the keys whose first call is still running.
  const outcomes = new Map<string, Outcome>();
  const inFlight = new Set<string>();
  // Every charge and refund request by idempotency key, replays and 409s included: how often ASPay called.
  const calls = new Map<string, number>();
  let outage = false;
  // Calls that reach a held kind wait here until it is released.
  const holds = new Map<HeldKind, { released: Promise<void>; release: () => void }>();
  const held = async (kind: HeldKind) => holds.get(kind)?.released;

  const delay = () => sleep(latency.min + Math.floor(Math.random() * (latency.max - latency.min + 1)));

  async function once(key: string, perform: () => Promise<Outcome>): Promise<Outcome> {
    calls.set(key, (calls.get(key) ?? 0) + 1);
    const known = outcomes.get(key);
    if (known) return known;
    if (inFlight.has(key)) return { status: 409, body: { error: 'idempotency_key_in_use' } };
    inFlight.add(key);
    try {
      const outcome = await perform();
      // Errors are not outcomes: the next retry with this key tries again.
      if (outcome.status < 500) outcomes.set(key, outcome);
      return outcome;
    } finally {
      inFlight.delete(key);
    }
  }

  function record(
    body: Record<string, unknown>,
    key: string,
    decision: Pick<Charge, 'status' | 'reason'>,
  ): Charge {
    const charge: Charge = {
      id: `ch_${randomUUID()}`,
      ...decision,
      idempotencyKey: key,
      reference: String(body.reference ?? ''),
      amount: String(body.amount ?? ''),
      currency: String(body.currency ?? ''),
      source: String(body.source ?? ''),
      createdAt: new Date().toISOString(),
    };
    chargesByKey.set(key, charge);
    if (charge.status === 'approved') charges.push(charge);
    return charge;
  }

  async function charge(body: Record<string, unknown>, key: string): Promise<Outcome> {
    await delay();
    await held('charges');
    const source = String(body.source ?? '');
    if (source === 'tok_timeout') {
      await sleep(hangMs);
      return { status: 504, body: { error: 'timeout' } };
    }
    if (source === 'tok_bank_error') return { status: 500, body: { error: 'bank_internal_error' } };
    const simulated = /^tok_status_(\d{3})$/.exec(source);
    if (simulated) return { status: Number(simulated[1]), body: { error: `simulated_${simulated[1]}` } };
    if (source === 'tok_answer_lost') {
      if (!chargesByKey.has(key)) record(body, key, { status: 'approved' });
      return { status: 500, body: { error: 'bank_internal_error' } };
    }
    if (source === 'tok_decline') {
      record(body, key, { status: 'declined', reason: 'card_declined' });
      return { status: 402, body: { status: 'declined', reason: 'card_declined' } };
    }
    if (source === 'tok_insufficient_funds') {
      record(body, key, { status: 'declined', reason: 'insufficient_funds' });
      return { status: 422, body: { status: 'declined', reason: 'insufficient_funds' } };
    }
    if (APPROVED_SOURCES.has(source)) {
      if (source === SLOW_SOURCE) await sleep(slowAnswerMs);
      const accepted = record(body, key, { status: 'approved' });
      return { status: 201, body: { status: 'approved', chargeId: accepted.id } };
    }
    record(body, key, { status: 'declined', reason: 'unknown_source' });
    return { status: 402, body: { status: 'declined', reason: 'unknown_source' } };
  }

  async function refund(chargeId: string, body: Record<string, unknown>, key: string): Promise<Outcome> {
    await delay();
    await held('refunds');
    const charged = charges.find((candidate) => candidate.id === chargeId);
    if (!charged) return { status: 404, body: { error: 'no_such_charge' } };
    if (charged.source === 'tok_refund_error') return { status: 500, body: { error: 'bank_internal_error' } };
    if (charged.source === 'tok_refund_rejected')
      return { status: 422, body: { status: 'declined', reason: 'refund_rejected' } };
    if (charged.source === SLOW_SOURCE) await sleep(slowAnswerMs);
    const accepted = {
      id: `re_${randomUUID()}`,
      chargeId,
      amount: String(body.amount ?? ''),
      idempotencyKey: key,
      createdAt: new Date().toISOString(),
    };
    refunds.push(accepted);
    return { status: 201, body: { status: 'refunded', refundId: accepted.id } };
  }

  return async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://bank');
      const key = request.headers['idempotency-key'];
      if (url.pathname === '/admin/outage' && request.method === 'POST') {
        outage = (await readJson(request)).enabled === true;
        return send(response, { status: 200, body: { outage } });
      }
      if (url.pathname === '/admin/hold' && request.method === 'POST') {
        const { kind, enabled } = await readJson(request);
        if (kind !== 'charges' && kind !== 'refunds')
          return send(response, { status: 400, body: { error: 'kind must be charges or refunds' } });
        if (enabled === true && !holds.has(kind)) {
          let release: () => void = () => undefined;
          const released = new Promise<void>((resolve) => {
            release = resolve;
          });
          holds.set(kind, { released, release });
        } else if (enabled !== true) {
          holds.get(kind)?.release();
          holds.delete(kind);
        }
        return send(response, { status: 200, body: { kind, held: holds.has(kind) } });
      }
      if (url.pathname === '/admin/charges' && request.method === 'GET') {
        const reference = url.searchParams.get('reference');
        return send(response, {
          status: 200,
          body: { charges: reference ? charges.filter((c) => c.reference === reference) : charges, refunds },
        });
      }
      if (url.pathname === '/admin/calls' && request.method === 'GET') {
        const key = url.searchParams.get('idempotency_key') ?? '';
        return send(response, {
          status: 200,
          body: { charges: calls.get(`charge:${key}`) ?? 0, refunds: calls.get(`refund:${key}`) ?? 0 },
        });
      }
      if (outage) return send(response, { status: 503, body: { error: 'service_unavailable' } });
      if (url.pathname === '/v1/charges' && request.method === 'GET') {
        const found = chargesByKey.get(url.searchParams.get('idempotency_key') ?? '');
        const running = inFlight.has(`charge:${url.searchParams.get('idempotency_key')}`);
        return send(response, {
          status: 200,
          body: {
            charges: found
              ? [{ id: found.id, status: found.status, reason: found.reason, createdAt: found.createdAt }]
              : running
                ? [{ status: 'pending' }]
                : [],
          },
        });
      }
      if (typeof key !== 'string' || key === '') {
        return send(response, { status: 400, body: { error: 'idempotency_key_required' } });
      }
      if (url.pathname === '/v1/charges' && request.method === 'POST') {
        const body = await readJson(request);
        return send(response, await once(`charge:${key}`, () => charge(body, key)));
      }
      const refundPath = /^\/v1\/charges\/([^/]+)\/refunds$/.exec(url.pathname);
      if (refundPath && request.method === 'POST') {
        const body = await readJson(request);
        return send(response, await once(`refund:${key}`, () => refund(refundPath[1] as string, body, key)));
      }
      send(response, { status: 404, body: { error: 'not_found' } });
    } catch {
      send(response, { status: 400, body: { error: 'bad_request' } });
    }
  };
}
