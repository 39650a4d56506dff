import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Decimal from 'decimal.js';
import { CheckFailedError, type Output, UsageError } from '../context';
import type { SmokeTarget } from './smoke-target';

/**
 * `aspay smoke`: one test payment through a deployed (or the local) stack, as a merchant would make it, each
 * step printed with the time it took: created, settled by the bank, posted to the ledger, partly refunded, the
 * refund executed (the ledger reverses a refund only once the bank executed it: docs/api.md), and every webhook
 * of the payment delivered. The first step that does not hold ends it with one line saying why.
 */

/** What the smoke test pays and refunds. Its balance is the merchant's EUR balance in test mode (see below). */
const PAYMENT = { amount: '10.00', currency: 'EUR', source: 'tok_success' } as const;
const REFUND_AMOUNT = '3.00';
const POLL_MS = 500;
const REQUEST_TIMEOUT_MS = 10_000;

export interface SmokeOptions {
  readonly key: string;
  /** How long each wait (settlement, ledger, refund, webhooks) may take. */
  readonly timeoutSeconds: number;
}

interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly seconds: number;
}

/** Refuses anything but a test key: a smoke test never moves real money. */
export function testKeyOf(key: string | undefined): string {
  if (!key) throw new UsageError('no API key: pass --key sk_test_… or set ASPAY_API_KEY');
  if (key.startsWith('sk_live_'))
    throw new UsageError('refusing a live key: a smoke test never moves real money (use the sk_test_ key)');
  if (!key.startsWith('sk_test_')) throw new UsageError('the API key is not a test key (sk_test_…)');
  return key;
}

// biome-ignore lint/suspicious/noExplicitAny: the API's answers are read field by field, as any client would.
type Json = any;

/** The API as the smoke test calls it: each failure to reach it or each refusal is one line. */
function apiClient(target: SmokeTarget, key: string) {
  // The stack's ApiUrl ends with the API Gateway stage and a slash; the local one with the port.
  const base = target.apiUrl.endsWith('/') ? target.apiUrl : `${target.apiUrl}/`;
  return async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(method === 'POST' && { 'content-type': 'application/json', 'x-idempotency-key': randomUUID() }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CheckFailedError(
        `the API at ${target.apiUrl} is unreachable (${cause?.code ?? cause?.message ?? (error as Error).message})`,
      );
    }
    const text = await response.text();
    const answer = text ? JSON.parse(text) : undefined;
    if (response.status === 401 || response.status === 403)
      throw new CheckFailedError(
        `the API refused the key (${response.status}): is it a test key of a merchant of this deployment?`,
      );
    if (!response.ok)
      throw new CheckFailedError(
        `${method} /${path} answered ${response.status} ${answer?.code ?? ''}: ${answer?.detail ?? text}${answer?.requestId ? ` (request ${answer.requestId})` : ''}`,
      );
    return answer;
  };
}

/** Polls `probe` until it returns a value, or throws the failure `timedOut` describes once the time is up. */
async function waitFor<T>(
  timeoutSeconds: number,
  probe: () => Promise<T | undefined>,
  timedOut: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() >= deadline) throw new CheckFailedError(await timedOut());
    await sleep(POLL_MS);
  }
}

export async function runSmoke(target: SmokeTarget, options: SmokeOptions, out: Output): Promise<void> {
  const api = apiClient(target, options.key);
  const timeout = options.timeoutSeconds;
  const steps: StepResult[] = [];
  const started = Date.now();
  if (!out.json)
    console.log(`aspay smoke: ${target.apiUrl} (${target.from}), key ${options.key.slice(0, 12)}…`);

  /** Runs one step: it prints its line with its time, or the line of its failure and ends the test. */
  const step = async <T>(name: string, run: () => Promise<{ value: T; detail: string }>): Promise<T> => {
    const stepStarted = Date.now();
    const seconds = () => (Date.now() - stepStarted) / 1000;
    try {
      const { value, detail } = await run();
      steps.push({ step: name, ok: true, detail, seconds: seconds() });
      if (!out.json) console.log(`  ok    ${name.padEnd(18)} ${detail}  (${seconds().toFixed(1)} s)`);
      return value;
    } catch (error) {
      const detail = (error as Error).message;
      steps.push({ step: name, ok: false, detail, seconds: seconds() });
      if (out.json) out.print({ passed: false, apiUrl: target.apiUrl, steps }, () => '');
      else console.log(`  FAIL  ${name.padEnd(18)} (${seconds().toFixed(1)} s)`);
      throw error instanceof CheckFailedError || error instanceof UsageError
        ? error
        : new CheckFailedError(detail);
    }
  };

  /**
   * The merchant's test-mode EUR balance. The balance is per merchant, mode and currency, and the API has no
   * per-payment figure, so the checks compare it before and after: another EUR payment of the same merchant's
   * test mode settling meanwhile would make them fail (the smoke pays in EUR to keep clear of the more common
   * USD traffic of a test merchant).
   */
  const balance = async (): Promise<Decimal> => {
    const answer = await api('GET', 'v1/balance');
    const line = (answer.payable as { currency: string; amount: string }[]).find(
      (candidate) => candidate.currency === PAYMENT.currency,
    );
    return new Decimal(line?.amount ?? 0);
  };
  const payment = async (id: string): Promise<Json> => api('GET', `v1/payments/${id}`);
  /** Waits until the balance has moved by `expected` since `before`. */
  const balanceMovedBy = (before: Decimal, expected: Decimal, what: string) =>
    waitFor(
      timeout,
      async () => {
        const now = await balance();
        return now.minus(before).equals(expected) ? now : undefined;
      },
      async () =>
        `${what}: the ${PAYMENT.currency} balance moved by ${(await balance()).minus(before).toFixed(2)} within ${timeout} s, not ${expected.toFixed(2)} (another ${PAYMENT.currency} payment of this merchant settling meanwhile also moves it)`,
    );

  const before = await step('balance read', async () => {
    const value = await balance();
    return { value, detail: `${PAYMENT.currency} ${value.toFixed(2)}` };
  });
  const paymentId: string = await step('payment created', async () => {
    const created = await api('POST', 'v1/payments', { ...PAYMENT, description: 'aspay smoke test' });
    return {
      value: created.id,
      detail: `${created.id} ${created.amount} ${created.currency} ${created.status}`,
    };
  });
  await step('payment settled', async () => {
    const settled = await waitFor(
      timeout,
      async () => {
        const current = await payment(paymentId);
        if (current.status === 'FAILED')
          throw new CheckFailedError(`the bank declined the payment: ${current.failureReason}`);
        return current.status === 'SUCCESS' ? current : undefined;
      },
      async () => {
        const current = await payment(paymentId);
        const since = current.history?.at(-1)?.occurredAt ?? current.updatedAt;
        return current.status === 'PENDING'
          ? `the bank did not settle the payment within ${timeout} s (status PENDING since ${since}, payment ${paymentId}: is the bank up? see npx aspay payments stuck)`
          : `the payment was not taken up within ${timeout} s (status ${current.status} since ${since}, payment ${paymentId}: the outbox relay or the bank processor is not running)`;
      },
    );
    return { value: settled, detail: settled.status };
  });
  const paid = new Decimal(PAYMENT.amount);
  await step('ledger posted', async () => {
    const now = await balanceMovedBy(before, paid, 'the ledger did not post the payment');
    return { value: now, detail: `${PAYMENT.currency} balance ${now.toFixed(2)} (+${paid.toFixed(2)})` };
  });
  const refundId: string = await step('refund recorded', async () => {
    const refund = await api('POST', `v1/payments/${paymentId}/refunds`, { amount: REFUND_AMOUNT });
    return {
      value: refund.id,
      detail: `${refund.id} ${refund.amount} ${refund.currency} ${refund.status}, pendingRefundAmount ${refund.payment.pendingRefundAmount}`,
    };
  });
  await step('refund executed', async () => {
    const expected = paid.minus(REFUND_AMOUNT);
    // A refund the bank rejects or never answers ends failed, with its reason (docs/api.md).
    const now = await waitFor(
      timeout,
      async () => {
        const refund = await api('GET', `v1/refunds/${refundId}`);
        if (refund.status === 'failed')
          throw new CheckFailedError(`the bank did not execute refund ${refundId}: ${refund.failureReason}`);
        const moved = (await balance()).minus(before);
        return moved.equals(expected) ? before.plus(moved) : undefined;
      },
      async () =>
        `the refund was not executed within ${timeout} s: the ${PAYMENT.currency} balance moved by ${(await balance()).minus(before).toFixed(2)}, not ${expected.toFixed(2)} (refund ${refundId}; is the bank up?)`,
    );
    return {
      value: now,
      detail: `${PAYMENT.currency} balance ${now.toFixed(2)} (+${paid.toFixed(2)} −${REFUND_AMOUNT})`,
    };
  });
  await step('webhooks', async () => {
    const delivered = await waitFor(
      timeout,
      async () => {
        const events = await eventsOf(api, paymentId);
        const types = new Set(events.map((event: Json) => event.type));
        const expected = ['payment.succeeded', 'payment.refunded', 'payment.refund_executed'];
        if (!expected.every((type) => types.has(type))) return undefined;
        if (events.every((event: Json) => event.delivery === null)) return events;
        const failed = events.find((event: Json) => event.delivery?.status === 'failed');
        if (failed)
          throw new CheckFailedError(
            `the webhook endpoint never accepted ${failed.type}: given up (${deliveryStory(failed.delivery)})`,
          );
        return events.every((event: Json) => event.delivery?.status === 'delivered') ? events : undefined;
      },
      async () => {
        const events = await eventsOf(api, paymentId);
        const waiting = events.find((event: Json) => event.delivery?.status !== 'delivered');
        return waiting
          ? `the webhook endpoint did not accept ${waiting.type} within ${timeout} s (${deliveryStory(waiting.delivery)})`
          : `the payment's events did not appear within ${timeout} s (GET /v1/events?payment=${paymentId})`;
      },
    );
    const detail = delivered.every((event: Json) => event.delivery === null)
      ? 'skipped: the merchant has no webhook endpoint'
      : `${delivered.map((event: Json) => event.type).join(', ')} delivered`;
    return { value: delivered, detail };
  });
  const seconds = (Date.now() - started) / 1000;
  out.print(
    { passed: true, apiUrl: target.apiUrl, paymentId, steps, seconds },
    () => `passed in ${seconds.toFixed(1)} s`,
  );
}

function eventsOf(api: ReturnType<typeof apiClient>, paymentId: string): Promise<Json[]> {
  return api('GET', `v1/events?payment=${paymentId}&limit=100`).then((list) => list.data);
}

function deliveryStory(delivery: Json): string {
  if (!delivery) return 'never sent';
  const error = delivery.lastError ? `, last error: ${delivery.lastError}` : '';
  return `${delivery.status} after ${delivery.attempts} attempt(s)${error}`;
}
