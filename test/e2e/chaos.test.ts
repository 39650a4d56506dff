import { describe, expect, it } from 'vitest';
import { planChaos } from '../../localstack/src/chaos/plan';
import { figuresOf, formatReport } from '../../localstack/src/chaos/report';
import { runChaos } from '../../localstack/src/chaos/run';
import { adoptStackEnvironment, localEndpoints } from '../support/local-stack';

/**
 * A short chaos run under load, with refunds and double clicks: a `kill -9` of the event runner and of the
 * local API (the stack's supervisor brings them back), the database gone for the handlers for 5 s, a short
 * bank outage and a merchant's webhook endpoint down (its notices wait for the retry sweep, and the run waits
 * for them). The full run is `npm run chaos`.
 */
describe('a short chaos run', () => {
  it('loses, doubles and strands nothing through process kills and database, bank and webhook outages', async () => {
    adoptStackEnvironment();
    const endpoints = localEndpoints();
    const plan = planChaos({
      seed: 20_260_101,
      payments: 200,
      ratePerSecond: 8,
      faults: ['runner-kill', 'api-kill', 'database-outage', 'bank-outage', 'webhook-outage'],
      faultMs: { 'database-outage': 5_000, 'bank-outage': 3_000, 'webhook-outage': 5_000 },
      merchants: endpoints.merchants.length,
      mix: { decline: 0.2, bankError: 0.01, refund: 0.2, doubleClick: 0.15 },
    });
    const result = await runChaos({
      plan,
      endpoints,
      // The supervisor restarts a killed service within seconds; the run restarts it only if it does not.
      restart: { supervisorGraceMs: 15_000 },
      quietTimeoutMs: 90_000,
      recoveryTimeoutMs: 30_000,
    });
    const figures = figuresOf(result);

    expect(figures.faults.map((fault) => [fault.kind, fault.error])).toEqual([
      ['runner-kill', undefined],
      ['api-kill', undefined],
      ['database-outage', undefined],
      ['bank-outage', undefined],
      ['webhook-outage', undefined],
    ]);
    expect(figures.payments.accepted).toBe(figures.payments.sent);
    expect(figures.payments.doubleClicks).toBeGreaterThan(0);
    expect(figures.worstRecoveryMs).not.toBeNull();
    expect(figures.violations, formatReport(figures)).toEqual([]);
  }, 300_000);
});
