import { describe, expect, it } from 'vitest';
import { planChaos } from '../../chaos/plan';
import { chaosProcessor } from '../../chaos/processor';
import { figuresOf, formatReport } from '../../chaos/report';
import { runChaos } from '../../chaos/run';
import { chaosWaits } from '../../chaos/timings';
import { adoptStackEnvironment, localEndpoints } from '../support/local-stack';

/**
 * A short chaos run under load, with refunds and double clicks: a `kill -9` of the event runner, of the
 * local API and of the runner's supervisor; the database gone for the handlers for 5 s, once at any moment and once
 * each while a payment and a refund are at the bank; a short bank outage and a merchant's webhook endpoint
 * down. Then `local:down`, which must leave no process of the stack behind. The full run is `npm run chaos`.
 */
describe('a short chaos run', () => {
  it('loses, doubles and strands nothing, recovers from each fault within the bound, and leaves nothing behind', async () => {
    adoptStackEnvironment();
    const endpoints = localEndpoints();
    const plan = planChaos({
      seed: 20_260_101,
      payments: 200,
      ratePerSecond: 8,
      faults: [
        'runner-kill',
        'api-kill',
        'database-outage',
        'payment-claim-database-outage',
        'refund-claim-database-outage',
        'bank-outage',
        'webhook-outage',
        'supervisor-kill',
      ],
      faultMs: {
        'database-outage': 5_000,
        'payment-claim-database-outage': 5_000,
        'refund-claim-database-outage': 5_000,
        'bank-outage': 3_000,
        'webhook-outage': 5_000,
      },
      merchants: endpoints.merchants.length,
      mix: { decline: 0.2, bankError: 0.01, refund: 0.2, doubleClick: 0.15 },
    });
    // The runner's supervisor: once it is gone, local:up starts a runner of its own beside the old service, so
    // a service that outlives its supervisor is left behind by local:down.
    plan.faults = plan.faults.map((fault) =>
      fault.kind === 'supervisor-kill' ? { ...fault, supervised: 'runner' } : fault,
    );
    const waits = chaosWaits(endpoints.settings, plan, { maxWaitMs: 180_000 });
    expect(waits.beyond).toEqual([]);
    const result = await runChaos({
      plan,
      endpoints,
      processor: chaosProcessor(endpoints),
      // The supervisor restarts a killed service within seconds; the run restarts it only if it does not.
      restart: { supervisorGraceMs: 15_000 },
      quietTimeoutMs: waits.quietTimeoutMs,
      recoveryTimeoutMs: 30_000,
      downCheck: true,
    });
    const figures = figuresOf(result);

    expect(figures.faults.map((fault) => [fault.kind, fault.error])).toEqual(
      plan.faults.map((fault) => [fault.kind, undefined]),
    );
    expect(figures.payments.accepted).toBe(figures.payments.sent);
    expect(figures.payments.doubleClicks).toBeGreaterThan(0);
    expect(figures.worstRecoveryMs).not.toBeNull();
    // The local:down phase ran (its survivors, if any, are violations).
    expect(figures.survivedLocalDown).not.toBeNull();
    expect(figures.violations, formatReport(figures)).toEqual([]);
  }, 480_000);
});
