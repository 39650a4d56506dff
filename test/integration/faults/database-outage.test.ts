import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../../lambdas/core/use-cases/ports/consumers';
import { bringUp } from '../../../localstack/src/stack';
import { isAlive, readPid, stopProcess } from '../../../localstack/src/support/processes';
import { callApi, paymentSettledAs, validPayment } from '../../support/api-client';
import { aspayJson } from '../../support/run-script';

const REQUESTS_PER_SECOND = 10;
const BEFORE_MS = 3_000;
const OUTAGE_MS = 10_000;
const AFTER_MS = 3_000;
/** API Gateway's integration timeout: an answer later than this never reaches the client. */
const API_GATEWAY_TIMEOUT_MS = 29_000;

interface Outcome {
  key: string;
  sentAt: number;
  answeredAt: number;
  status: number | 'no answer';
  contentType?: string | null;
  retryAfter?: string | null;
  code?: string;
  paymentId?: string;
}

async function createPayment(key: string): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const response = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key });
    return {
      key,
      sentAt,
      answeredAt: Date.now(),
      status: response.status,
      contentType: response.headers.get('content-type'),
      retryAfter: response.headers.get('retry-after'),
      code: response.body?.code,
      paymentId: response.status === 202 ? response.body.id : undefined,
    };
  } catch {
    // A reset connection, or no answer at all.
    return { key, sentAt, answeredAt: Date.now(), status: 'no answer' };
  }
}

/** The supervisor's pid and its child's (the service itself) for a supervised service of the stack. */
function servicePids(name: string): { supervisor: number; child: number } {
  const supervisor = readPid(name);
  if (supervisor === undefined) throw new Error(`${name} is not running`);
  const children = execFileSync('pgrep', ['-P', String(supervisor)], { encoding: 'utf8' })
    .trim()
    .split('\n');
  return { supervisor, child: Number(children[0]) };
}

/** Payment ids named by the dead-letter queue's letters (a consumer's own letters carry the whole record). */
async function deadLetteredPaymentIds(paymentIds: readonly string[]): Promise<Set<string>> {
  const listed = await aspayJson('dlq', 'list');
  const letters = (listed.json ?? []) as { letter: Partial<DeadLetter> }[];
  const text = letters.map(({ letter }) => `${letter.key ?? ''} ${letter.payload ?? ''}`).join('\n');
  return new Set(paymentIds.filter((id) => text.includes(id)));
}

describe('a database outage under load', () => {
  it('answers 202 or 503 problem+json throughout, keeps the API and runner up, and completes accepted payments', {
    timeout: 90_000,
  }, async () => {
    const pidsBefore = { api: servicePids('api'), runner: servicePids('runner') };
    const requests: Promise<Outcome>[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        requests.push(createPayment(`outage-${randomUUID()}`));
        await sleep(1_000 / REQUESTS_PER_SECOND);
      }
    })();

    await sleep(BEFORE_MS);
    // The handlers reach PostgreSQL only through the local RDS Proxy: without it they have no database.
    const outageFrom = Date.now();
    await stopProcess('rds-proxy');
    await sleep(OUTAGE_MS);
    await bringUp();
    const outageUntil = Date.now();
    await sleep(AFTER_MS);
    loading = false;
    await load;
    const outcomes = await Promise.all(requests);

    const summary = ({ status, code }: Outcome) => `${status}${code ? ` ${code}` : ''}`;
    const answeredBefore = outcomes.filter((outcome) => outcome.answeredAt < outageFrom);
    const during = outcomes.filter(
      (outcome) => outcome.answeredAt >= outageFrom && outcome.sentAt <= outageUntil,
    );
    const sentAfter = outcomes.filter((outcome) => outcome.sentAt > outageUntil);
    expect(new Set(answeredBefore.map(summary))).toEqual(new Set(['202']));
    expect(new Set(sentAfter.map(summary))).toEqual(new Set(['202']));
    // The outage was real, and nothing but 202 or 503 came out of it: no 500, no reset connection.
    expect(during.map(summary)).toContain('503 service_unavailable');
    for (const outcome of outcomes) {
      expect(['202', '503 service_unavailable']).toContain(summary(outcome));
      expect(outcome.answeredAt - outcome.sentAt).toBeLessThan(API_GATEWAY_TIMEOUT_MS);
      if (outcome.status === 503) {
        expect(outcome.contentType).toBe('application/problem+json');
        expect(Number(outcome.retryAfter)).toBeGreaterThan(0);
      }
    }

    // Neither process died with the database: same supervisor, same service process.
    const pidsAfter = { api: servicePids('api'), runner: servicePids('runner') };
    expect(pidsAfter).toEqual(pidsBefore);
    expect(isAlive(pidsAfter.api.child) && isAlive(pidsAfter.runner.child)).toBe(true);

    // A 503 was not kept as the key's answer: the same request now creates the payment.
    const refused = outcomes.filter((outcome) => outcome.status === 503);
    for (const outcome of refused) {
      const retried = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: outcome.key });
      expect(retried.status).toBe(202);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
      outcome.paymentId = retried.body.id;
    }

    const accepted = outcomes.flatMap((outcome) => (outcome.paymentId ? [outcome.paymentId] : []));
    expect(accepted).toHaveLength(outcomes.length);
    const deadLettered = await deadLetteredPaymentIds(accepted);
    const unfinished: string[] = [];
    for (const id of accepted.filter((paymentId) => !deadLettered.has(paymentId))) {
      const settled = await paymentSettledAs(id, ['SUCCESS', 'FAILED'], { timeoutMs: 20_000 }).catch(
        () => undefined,
      );
      if (settled?.body.status !== 'SUCCESS') unfinished.push(id);
    }
    expect(unfinished).toEqual([]);
    console.log(
      JSON.stringify({
        requests: outcomes.length,
        refusedWith503: refused.length,
        deadLettered: deadLettered.size,
        slowestMs: Math.max(...outcomes.map((outcome) => outcome.answeredAt - outcome.sentAt)),
      }),
    );
  });
});
