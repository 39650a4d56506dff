import { setTimeout as sleep } from 'node:timers/promises';
import { type ChaosPlan, type PlannedPayment, partialRefundAmount } from './plan';

/** One HTTP request of the load and its answer ('network-error' when none came). */

/** The customer of every payment of a run: its receipts are read back from the mail catcher. */
export const CHAOS_CUSTOMER = 'chaos@example.com';

export interface RecordedRequest {
  purpose: 'payment' | 'double-click' | 'refund' | 'probe' | 'fault' | 'status';
  method: 'GET' | 'POST';
  path: string;
  idempotencyKey?: string;
  sentAt: string;
  answer: number | 'network-error';
  tookMs: number;
  body?: unknown;
}

export interface Merchant {
  id: string;
  apiKey: string;
}

/** What the load knows of one planned payment once its requests are done. */
export interface PaymentOutcome {
  planned: PlannedPayment;
  merchantId: string;
  idempotencyKey: string;
  /** Payment ids the API answered with; more than one for a single key is a doubled payment. */
  answeredIds: string[];
  /** The final answer: 202 accepted, another status, or none (every retry met a network error). */
  accepted: boolean;
  refund?: { idempotencyKey: string; answer: number | 'network-error' | 'not-attempted'; refundId?: string };
}

interface Answer {
  status: number | 'network-error';
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers are read field by field.
  body: any;
}

/**
 * Answers a well-behaved client retries with the same idempotency key: none, 409 in progress, 429 over the
 * merchant's request rate (the retries after an outage come in a burst), 5xx.
 */
const retryable = (status: number | 'network-error') =>
  status === 'network-error' || status === 409 || status === 429 || status >= 500;

/**
 * The load's HTTP client: every request is recorded. POSTs are retried with the same idempotency key while
 * the answer says to (no answer, 409, 429, 5xx), as a merchant's client would, until `retryForMs` has passed.
 */
export class LoadClient {
  readonly requests: RecordedRequest[] = [];

  constructor(
    private readonly apiUrl: string,
    private readonly retryForMs = 60_000,
  ) {}

  async send(
    purpose: RecordedRequest['purpose'],
    merchant: Merchant,
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; idempotencyKey?: string } = {},
  ): Promise<Answer> {
    const started = Date.now();
    const headers: Record<string, string> = { authorization: `Bearer ${merchant.apiKey}` };
    if (options.idempotencyKey) headers['x-idempotency-key'] = options.idempotencyKey;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let answer: Answer;
    try {
      const response = await fetch(`${this.apiUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      answer = { status: response.status, body: text ? JSON.parse(text) : undefined };
    } catch {
      answer = { status: 'network-error', body: undefined };
    }
    this.requests.push({
      purpose,
      method,
      path,
      idempotencyKey: options.idempotencyKey,
      sentAt: new Date(started).toISOString(),
      answer: answer.status,
      tookMs: Date.now() - started,
      body: answer.body,
    });
    return answer;
  }

  /** A POST retried with the same key until a definitive answer or the retry window ends. */
  async post(
    purpose: RecordedRequest['purpose'],
    merchant: Merchant,
    path: string,
    body: unknown,
    idempotencyKey: string,
  ): Promise<Answer> {
    const deadline = Date.now() + this.retryForMs;
    let pause = 250;
    for (;;) {
      const answer = await this.send(purpose, merchant, 'POST', path, { body, idempotencyKey });
      if (!retryable(answer.status) || Date.now() > deadline) return answer;
      await sleep(pause);
      pause = Math.min(pause * 2, 2_000);
    }
  }

  async statusOf(merchant: Merchant, paymentId: string): Promise<string | undefined> {
    const answer = await this.send('status', merchant, 'GET', `/v1/payments/${paymentId}`);
    return answer.status === 200 ? answer.body?.status : undefined;
  }
}

const runKeyPrefix = (runId: string) => `chaos-${runId}-`;

/** A LIKE pattern for the idempotency keys of one run's payments (its refunds' keys extend them). */
export const runKeys = (runId: string) => `${runKeyPrefix(runId)}%`;

export function paymentBody(planned: PlannedPayment, runId: string) {
  return {
    amount: planned.amount,
    currency: 'USD',
    source: planned.source,
    customer: CHAOS_CUSTOMER,
    description: `Chaos run ${runId} payment ${planned.index}`,
    metadata: { chaosRun: runId, index: String(planned.index) },
  };
}

async function createPlanned(
  client: LoadClient,
  merchant: Merchant,
  planned: PlannedPayment,
  runId: string,
  purpose: 'payment' | 'probe' | 'fault' = 'payment',
): Promise<PaymentOutcome> {
  const idempotencyKey = `${runKeyPrefix(runId)}${purpose}-${planned.index}`;
  const body = paymentBody(planned, runId);
  const sends = [client.post(purpose, merchant, '/v1/payments', body, idempotencyKey)];
  if (planned.doubleClick)
    sends.push(client.post('double-click', merchant, '/v1/payments', body, idempotencyKey));
  const answers = await Promise.all(sends);
  const answeredIds = [
    ...new Set(answers.filter((answer) => answer.status === 202).map((answer) => String(answer.body?.id))),
  ];
  return {
    planned,
    merchantId: merchant.id,
    idempotencyKey,
    answeredIds,
    accepted: answers.some((answer) => answer.status === 202),
  };
}

/** Refunds a payment once it succeeded (polling its status), with a key of its own. */
async function refundPlanned(
  client: LoadClient,
  merchant: Merchant,
  outcome: PaymentOutcome,
  waitForSuccessMs: number,
): Promise<void> {
  const plannedRefund = outcome.planned.refund;
  const paymentId = outcome.answeredIds[0];
  if (!plannedRefund || !paymentId) return;
  const idempotencyKey = `${outcome.idempotencyKey}-refund`;
  outcome.refund = { idempotencyKey, answer: 'not-attempted' };
  await sleep(plannedRefund.afterMs);
  const deadline = Date.now() + waitForSuccessMs;
  while ((await client.statusOf(merchant, paymentId)) !== 'SUCCESS') {
    if (Date.now() > deadline) return;
    await sleep(500);
  }
  const body = plannedRefund.kind === 'full' ? {} : { amount: partialRefundAmount(outcome.planned.amount) };
  const answer = await client.post(
    'refund',
    merchant,
    `/v1/payments/${paymentId}/refunds`,
    body,
    idempotencyKey,
  );
  outcome.refund = {
    idempotencyKey,
    answer: answer.status,
    refundId: answer.status === 201 ? String(answer.body?.id) : undefined,
  };
}

/**
 * Sends the plan's payments at their times (each with its double click and, once it succeeded, its
 * refund) and resolves when every request has its final answer.
 */
export async function runLoad(
  client: LoadClient,
  plan: ChaosPlan,
  merchants: readonly Merchant[],
  runId: string,
  { waitForSuccessMs = 60_000 } = {},
): Promise<PaymentOutcome[]> {
  const start = Date.now();
  const work: Promise<PaymentOutcome>[] = [];
  for (const planned of plan.payments) {
    const wait = start + planned.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    const merchant = merchants[planned.merchant] as Merchant;
    work.push(
      createPlanned(client, merchant, planned, runId).then(async (outcome) => {
        await refundPlanned(client, merchant, outcome, waitForSuccessMs);
        return outcome;
      }),
    );
  }
  return Promise.all(work);
}

/** A successful payment of its own for the run (not in the plan), refunded in full once it succeeded if asked. */
function extraPayment(index: number, amount: string, source: string, refunded = false): PlannedPayment {
  return {
    index,
    atMs: 0,
    merchant: 0,
    kind: 'success',
    source,
    amount,
    doubleClick: false,
    ...(refunded ? { refund: { kind: 'full' as const, afterMs: 0 } } : {}),
  };
}

/**
 * A probe: one successful payment sent when a fault ends, to time how long the pipeline takes to complete a
 * new payment again. It is checked like every other payment of the run.
 */
export function sendProbe(
  client: LoadClient,
  merchant: Merchant,
  runId: string,
  index: number,
  source: string,
): Promise<PaymentOutcome> {
  return createPlanned(client, merchant, extraPayment(index, '1.00', source), runId, 'probe');
}

/**
 * A payment (and, for `refund`, its refund once it succeeded) sent by a fault that needs a bank call in
 * flight whatever the load is doing. It is checked like every other payment of the run.
 */
export async function sendBankCall(
  client: LoadClient,
  merchant: Merchant,
  runId: string,
  index: number,
  what: 'payment' | 'refund',
  source: string,
): Promise<PaymentOutcome> {
  const outcome = await createPlanned(
    client,
    merchant,
    extraPayment(index, '2.00', source, what === 'refund'),
    runId,
    'fault',
  );
  await refundPlanned(client, merchant, outcome, 60_000);
  return outcome;
}
