import { randomUUID } from 'node:crypto';
import { eventually } from './eventually';
import { localEndpoints } from './local-stack';

const endpoints = localEndpoints();

export type DemoMerchant = 'acme' | 'globex';

export function merchant(name: DemoMerchant): { id: string; apiKey: string } {
  const found = endpoints.merchants.find((candidate) => candidate.id === `mer_demo_${name}`);
  if (!found) throw new Error(`demo merchant ${name} missing from local.json`);
  return found;
}

export interface ApiCall {
  method?: string;
  /** Serialised as JSON unless it is already a string. */
  body?: unknown;
  as?: DemoMerchant | null;
  /** A merchant's API key, instead of a demo merchant's. */
  apiKey?: string;
  idempotencyKey?: string | null;
  headers?: Record<string, string>;
}

export interface ApiResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
  body: any;
}

/** Calls the local API over HTTP as a demo merchant (acme by default) with a fresh idempotency key on POST. */
export async function callApi(path: string, call: ApiCall = {}): Promise<ApiResult> {
  const method = call.method ?? (call.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { ...call.headers };
  if (call.as !== null) headers.authorization = `Bearer ${call.apiKey ?? merchant(call.as ?? 'acme').apiKey}`;
  if (method === 'POST' && call.idempotencyKey !== null)
    headers['x-idempotency-key'] = call.idempotencyKey ?? randomUUID();
  if (call.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const response = await fetch(`${endpoints.apiUrl}${path}`, {
    method,
    headers,
    body:
      call.body === undefined
        ? undefined
        : typeof call.body === 'string'
          ? call.body
          : JSON.stringify(call.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export const validPayment = (overrides: Record<string, unknown> = {}) => ({
  amount: '25.00',
  currency: 'USD',
  source: 'tok_success',
  description: 'Order #1001',
  customer: 'ada@example.com',
  metadata: { order: '1001' },
  ...overrides,
});

/** Waits until the background processing leaves a payment in one of `statuses`. */
export async function paymentSettledAs(
  paymentId: string,
  statuses: readonly string[],
  options: { timeoutMs?: number; apiKey?: string } = {},
): Promise<ApiResult> {
  return eventually(
    () => callApi(`/v1/payments/${paymentId}`, { apiKey: options.apiKey }),
    (response) => statuses.includes(response.body?.status),
    options,
  );
}
