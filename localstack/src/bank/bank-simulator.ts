import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { LatencyRange } from '../../../lambdas/core/config/sandbox-bank';
import {
  callKindOf,
  chargeCall,
  refundCall,
  sandboxBank,
} from '../../../lambdas/core/sandbox-bank/sandbox-bank';
import { InMemorySandboxBankStore, type SandboxAnswer } from '../../../lambdas/core/sandbox-bank/store';

/**
 * The third-party bank, simulated for local runs and tests: the sandbox contract and its test tokens of
 * lambdas/core/sandbox-bank (the same code the stack's sandbox bank Lambda serves), its books in memory, and
 * admin routes on top for tests and demos. `/admin/*` lets tests switch an outage on, hold charges or refunds
 * mid-call (`POST /admin/hold {"kind": "charges" | "refunds", "enabled": true}`: unanswered until released,
 * so a test can act while a bank call is in flight), read every charge the bank accepted, and count the calls
 * made with one idempotency key.
 */

export interface BankSimulatorOptions {
  latency: LatencyRange;
  /** How long `tok_timeout` hangs before answering (far beyond any client timeout). */
  hangMs?: number;
  /** How long `tok_slow_answer`'s charges and refunds take to answer. */
  slowAnswerMs?: number;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, { status, body }: SandboxAnswer): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

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
  const store = new InMemorySandboxBankStore();
  // Every charge and refund request by idempotency key, replays and 409s included: how often ASPay called.
  const calls = new Map<string, number>();
  let outage = false;
  // Calls that reach a held kind wait here until it is released.
  const holds = new Map<HeldKind, { released: Promise<void>; release: () => void }>();
  const bank = sandboxBank({
    store,
    latency,
    hangMs,
    slowAnswerMs,
    // One process: a call is in flight exactly while it runs here.
    callLeaseMs: Number.POSITIVE_INFINITY,
    beforeDecision: (kind) => holds.get(kind)?.released,
  });

  function hold(kind: unknown, enabled: unknown): SandboxAnswer {
    if (kind !== 'charges' && kind !== 'refunds')
      return { status: 400, body: { error: 'kind must be charges or refunds' } };
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
    return { status: 200, body: { kind, held: holds.has(kind) } };
  }

  async function admin(url: URL, method: string, text: string): Promise<SandboxAnswer | undefined> {
    if (url.pathname === '/admin/outage' && method === 'POST') {
      outage = (JSON.parse(text || '{}') as { enabled?: unknown }).enabled === true;
      return { status: 200, body: { outage } };
    }
    if (url.pathname === '/admin/hold' && method === 'POST') {
      const { kind, enabled } = JSON.parse(text || '{}') as { kind?: unknown; enabled?: unknown };
      return hold(kind, enabled);
    }
    if (url.pathname === '/admin/charges' && method === 'GET') {
      const reference = url.searchParams.get('reference');
      const charges = store.approvedCharges();
      return {
        status: 200,
        body: {
          charges: reference ? charges.filter((c) => c.reference === reference) : charges,
          refunds: store.executedRefunds(),
        },
      };
    }
    if (url.pathname === '/admin/calls' && method === 'GET') {
      const key = url.searchParams.get('idempotency_key') ?? '';
      return {
        status: 200,
        body: { charges: calls.get(chargeCall(key)) ?? 0, refunds: calls.get(refundCall(key)) ?? 0 },
      };
    }
    return undefined;
  }

  return async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://bank');
      const method = request.method ?? 'GET';
      const text = await readBody(request);
      const answered = await admin(url, method, text);
      if (answered) return send(response, answered);
      if (outage) return send(response, { status: 503, body: { error: 'service_unavailable' } });
      const header = request.headers['idempotency-key'];
      const idempotencyKey = typeof header === 'string' && header !== '' ? header : undefined;
      const sandboxRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        idempotencyKey,
        body: text,
      };
      const kind = callKindOf(sandboxRequest);
      if (kind && idempotencyKey) {
        const counted = kind === 'charge' ? chargeCall(idempotencyKey) : refundCall(idempotencyKey);
        calls.set(counted, (calls.get(counted) ?? 0) + 1);
      }
      send(response, await bank(sandboxRequest));
    } catch {
      send(response, { status: 400, body: { error: 'bad_request' } });
    }
  };
}
