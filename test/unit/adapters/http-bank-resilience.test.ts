import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { httpBank } from '../../../lambdas/core/adapters/bank/http-bank';
import { bankSettings } from '../../../lambdas/core/config/bank';
import { memoryBreakerState } from '../../support/bank-simulator';
import { chargeRequest } from '../../support/bank-use-cases';

/**
 * A bank on a local port that answers each request with the next scripted status (then the last one; 0: no
 * answer at all) and counts the requests that reached it: what the connector retried, and what its breaker
 * kept from the bank.
 */
const script = { answers: [200] as number[], requests: 0 };
const server = createServer((request, response) => {
  request.resume();
  const status = script.answers[Math.min(script.requests, script.answers.length - 1)] ?? 200;
  script.requests++;
  if (status === 0) return;
  const body =
    status === 200
      ? { chargeId: `ch_${script.requests}` }
      : status === 402
        ? { reason: 'card_declined' }
        : {};
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

function bankAnswers(...statuses: number[]) {
  script.answers = statuses;
  script.requests = 0;
}

const HALF_OPEN_AFTER_MS = 300;
const connector = (breakerState = memoryBreakerState(), onBreak?: () => void) =>
  httpBank(
    url,
    bankSettings({
      ASPAY_BANK_TIMEOUT_MS: '1000',
      ASPAY_BANK_MAX_ATTEMPTS: '3',
      ASPAY_BANK_BACKOFF_BASE_MS: '5',
      ASPAY_BREAKER_FAILURE_THRESHOLD: '2',
      ASPAY_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_AFTER_MS),
    }),
    breakerState,
    { onBreak },
  );

const charge = () => chargeRequest('tok_success');

beforeEach(() => bankAnswers(200));

describe("the bank connector's retries", () => {
  it('retries a transient answer and takes the answer that follows', async () => {
    bankAnswers(503, 429, 200);

    expect(await connector().charge(charge())).toEqual({ kind: 'approved', chargeId: 'ch_3' });
    expect(script.requests).toBe(3);
  });

  it('stops after the attempt limit and reports the bank unavailable with its last answer', async () => {
    bankAnswers(503);

    expect(await connector().charge(charge())).toEqual({ kind: 'unavailable', reason: 'bank answered 503' });
    expect(script.requests).toBe(3);
  });

  it.each([
    [402, { kind: 'declined', reason: 'card_declined' }],
    [400, { kind: 'unavailable', reason: 'bank answered 400 (contract)' }],
    [401, { kind: 'unavailable', reason: 'bank answered 401 (credentials)' }],
  ])('never retries a %s: asking again would not change it', async (status, outcome) => {
    bankAnswers(status);

    expect(await connector().charge(charge())).toEqual(outcome);
    expect(script.requests).toBe(1);
  });
});

describe("the bank connector's circuit breaker", () => {
  it('opens after consecutive failed operations: the next charge is not sent, for any instance', async () => {
    const breakerState = memoryBreakerState();
    const breaks: string[] = [];
    bankAnswers(503);
    await connector(breakerState, () => breaks.push('open')).charge(charge());
    await connector(breakerState, () => breaks.push('open')).charge(charge());
    const sentBeforeOpen = script.requests;

    const outcomes = [
      await connector(breakerState).charge(charge()),
      await connector(breakerState).charge(charge()),
    ];

    expect(outcomes).toEqual([{ kind: 'circuit_open' }, { kind: 'circuit_open' }]);
    expect(script.requests).toBe(sentBeforeOpen);
    expect(breaks).toEqual(['open']);
  });

  it('writes the shared state only when an operation changed it, never for charges to a healthy bank', async () => {
    const breakerState = memoryBreakerState();
    bankAnswers(200);
    await connector(breakerState).charge(charge());
    const writesOnceKnown = breakerState.writes;

    await connector(breakerState).charge(charge());
    await connector(breakerState).charge(charge());
    expect(breakerState.writes).toBe(writesOnceKnown);

    bankAnswers(503);
    await connector(breakerState).charge(charge());
    expect(breakerState.writes).toBe(writesOnceKnown + 1);
  });

  it('counts an operation once however many retries it took, so one slow charge does not open it', async () => {
    const breakerState = memoryBreakerState();
    bankAnswers(503);
    await connector(breakerState).charge(charge());
    bankAnswers(200);

    expect(await connector(breakerState).charge(charge())).toMatchObject({ kind: 'approved' });
  });

  it('lets one trial charge through once half-open, and closes again when the bank answers', async () => {
    const breakerState = memoryBreakerState();
    bankAnswers(503);
    await connector(breakerState).charge(charge());
    await connector(breakerState).charge(charge());
    expect(await connector(breakerState).charge(charge())).toEqual({ kind: 'circuit_open' });

    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 50));
    bankAnswers(200);

    expect(await connector(breakerState).charge(charge())).toMatchObject({ kind: 'approved' });
    expect(await connector(breakerState).charge(charge())).toMatchObject({ kind: 'approved' });
    expect(script.requests).toBe(2);
  });

  it('keeps the breaker of one bank away from another: a separate state store starts closed', async () => {
    bankAnswers(503);
    const sandbox = memoryBreakerState();
    await connector(sandbox).charge(charge());
    await connector(sandbox).charge(charge());
    bankAnswers(200);

    expect(await connector(sandbox).charge(charge())).toEqual({ kind: 'circuit_open' });
    expect(await connector(memoryBreakerState()).charge(charge())).toMatchObject({ kind: 'approved' });
  });
});

describe('a call its caller abandons (its claim on the payment lapsed)', () => {
  it('stops at once, is not retried, and is no failure to the breaker', async () => {
    bankAnswers(0);
    const breakerState = memoryBreakerState();
    const abandonAfter = async (ms: number) => {
      const claim = new AbortController();
      setTimeout(() => claim.abort(new Error('bank claim lapsed')), ms);
      const startedAt = Date.now();
      const outcome = await connector(breakerState).charge(charge(), claim.signal);
      return { outcome, tookMs: Date.now() - startedAt };
    };

    // Two abandoned calls: counted as failures they would open the breaker (threshold 2).
    for (const { outcome, tookMs } of [await abandonAfter(100), await abandonAfter(100)]) {
      expect(outcome).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('abandoned') });
      // Well before the 1 s timeout and its retries.
      expect(tookMs).toBeLessThan(800);
    }
    expect(script.requests).toBe(2);

    bankAnswers(200);
    expect(await connector(breakerState).charge(charge())).toMatchObject({ kind: 'approved' });
  });

  it('never sends a call whose claim has already lapsed', async () => {
    const lapsed = new AbortController();
    lapsed.abort(new Error('bank claim lapsed'));

    expect(await connector().charge(charge(), lapsed.signal)).toMatchObject({ kind: 'unavailable' });
    expect(script.requests).toBe(0);
  });
});
