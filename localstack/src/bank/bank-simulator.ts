import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The third-party bank, simulated for local runs and tests. Deterministic test tokens:
 * - `tok_success`   approved
 * - `tok_decline`   declined (402): final, the payment FAILS
 * - `tok_bank_error` always 500: a transient error to the gateway, retried and then left PENDING for later
 * - `tok_timeout`   never answers in time
 * Charges are idempotent by the `Idempotency-Key` header (ASPay sends the payment id): a repeated key
 * returns the first outcome and never charges twice. `/admin/*` lets tests switch an outage on and read
 * every charge the bank accepted.
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

export function createBankSimulator({ latency, hangMs = 10 * 60_000 }: BankSimulatorOptions): Server {
  const charges: Charge[] = [];
  const refunds: {
    id: string;
    chargeId: string;
    amount: string;
    idempotencyKey: string;
    createdAt: string;
  }[] = [];
  // In-flight and final outcomes by idempotency key: concurrent retries of one charge share one outcome.
  const outcomes = new Map<string, Promise<Outcome>>();
  let outage = false;

  const delay = () => sleep(latency.min + Math.floor(Math.random() * (latency.max - latency.min + 1)));

  function once(key: string, perform: () => Promise<Outcome>): Promise<Outcome> {
    let outcome = outcomes.get(key);
    if (!outcome) {
      outcome = perform();
      outcomes.set(key, outcome);
      // Errors are not outcomes: the next retry with this key tries again.
      void outcome.then((result) => {
        if (result.status >= 500) outcomes.delete(key);
      });
    }
    return outcome;
  }

  async function charge(body: Record<string, unknown>, key: string): Promise<Outcome> {
    await delay();
    const source = String(body.source ?? '');
    if (source === 'tok_timeout') {
      await sleep(hangMs);
      return { status: 504, body: { error: 'timeout' } };
    }
    if (source === 'tok_bank_error') return { status: 500, body: { error: 'bank_internal_error' } };
    let outcome: Outcome;
    if (source === 'tok_decline') {
      outcome = { status: 402, body: { status: 'declined', reason: 'card_declined' } };
    } else if (source === 'tok_success') {
      const accepted: Charge = {
        id: `ch_${randomUUID()}`,
        idempotencyKey: key,
        reference: String(body.reference ?? ''),
        amount: String(body.amount ?? ''),
        currency: String(body.currency ?? ''),
        source,
        createdAt: new Date().toISOString(),
      };
      charges.push(accepted);
      outcome = { status: 201, body: { status: 'approved', chargeId: accepted.id } };
    } else {
      outcome = { status: 402, body: { status: 'declined', reason: 'unknown_source' } };
    }
    return outcome;
  }

  async function refund(chargeId: string, body: Record<string, unknown>, key: string): Promise<Outcome> {
    await delay();
    if (!charges.some((candidate) => candidate.id === chargeId))
      return { status: 404, body: { error: 'no_such_charge' } };
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

  return createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://bank');
      const key = request.headers['idempotency-key'];
      if (url.pathname === '/admin/outage' && request.method === 'POST') {
        outage = (await readJson(request)).enabled === true;
        return send(response, { status: 200, body: { outage } });
      }
      if (url.pathname === '/admin/charges' && request.method === 'GET') {
        const reference = url.searchParams.get('reference');
        return send(response, {
          status: 200,
          body: { charges: reference ? charges.filter((c) => c.reference === reference) : charges, refunds },
        });
      }
      if (outage) return send(response, { status: 503, body: { error: 'service_unavailable' } });
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
  });
}
