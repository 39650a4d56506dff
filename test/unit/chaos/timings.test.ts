import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, planChaos } from '../../../chaos/plan';
import { chaosWaits, RECOVERY_BOUND_MS, refusalLine } from '../../../chaos/timings';
import { stackSettings } from '../../../localstack/src/stack';
import { TEST_TIMINGS } from '../../../localstack/src/test-timings';

const plan = planChaos({ seed: 7, payments: 300, ratePerSecond: 10, faults: FAULT_KINDS, merchants: 2 });

/** The timings `npm test` starts the stack with: those a chaos run relies on. */
const testTimings = stackSettings(TEST_TIMINGS);

describe("the chaos run's waits, from the stack's timings", () => {
  it("refuses a newcomer's npm start defaults in one line naming the settings to shorten", () => {
    // No ASPAY_* variable: the production defaults (1 min pending retries doubling to 15 min, a 5-s…10-s bank).
    const { beyond } = chaosWaits(stackSettings({}), plan, { maxWaitMs: 600_000 });
    const line = refusalLine(beyond);
    expect(line).not.toContain('\n');
    for (const name of [
      'ASPAY_PENDING_RETRY_AFTER_MS',
      'ASPAY_PENDING_RETRY_MAX_MS',
      'ASPAY_BANK_GIVE_UP_AFTER_ATTEMPTS',
      'ASPAY_SCHEDULE_EVERY_MS',
      'ASPAY_BANK_LATENCY_MS',
      'ASPAY_WEBHOOK_RETRY_BASE_MS',
    ])
      expect(line).toContain(name);
    expect(line).toContain('ASPAY_PENDING_RETRY_AFTER_MS (now 60000)');
  });

  it('waits out the test timings: the longest designed wait (a bank-error payment reconciled) plus a margin', () => {
    const { beyond, quietTimeoutMs } = chaosWaits(testTimings, plan, { maxWaitMs: 600_000 });
    expect(beyond).toEqual([]);
    // 7 pending waits (1 s, then 2 s capped) and 8 attempts of 3 calls (50 + 100 ms apart) each found by a
    // 1 s sweep: 13 s + 9.2 s, then the 60 s margin.
    expect(quietTimeoutMs).toBe(22_200 + 60_000);
  });

  it('refuses when a wait the run would have to sit out is longer than --max-wait', () => {
    const { beyond } = chaosWaits(testTimings, plan, { maxWaitMs: 80_000 });
    expect(beyond.map(({ wait }) => wait.what)).toEqual(['reconciling a tok_bank_error payment']);
    expect(refusalLine(beyond)).toContain('ASPAY_PENDING_RETRY_AFTER_MS (now 1000)');
  });

  it('refuses a stack whose own backoff alone would exceed the recovery bound after a bank outage', () => {
    const slowBreaker = { ...testTimings, bank: { ...testTimings.bank, breakerHalfOpenAfterMs: 30_000 } };
    const { beyond } = chaosWaits(slowBreaker, plan, { maxWaitMs: 600_000 });
    expect(beyond.map(({ wait, bound }) => [wait.what, bound])).toEqual([
      [
        'retrying a payment left waiting by a bank outage',
        `the ${RECOVERY_BOUND_MS / 1000} s recovery bound`,
      ],
    ]);
  });

  it('refuses a stack whose bank claim lease alone would exceed the recovery bound after a runner kill', () => {
    const runnerKill = planChaos({
      seed: 7,
      payments: 50,
      ratePerSecond: 10,
      faults: ['runner-kill'],
      merchants: 2,
    });
    expect(chaosWaits(testTimings, runnerKill, { maxWaitMs: 600_000 }).beyond).toEqual([]);
    const longLease = { ...testTimings, bank: { ...testTimings.bank, claimLeaseMs: 12_000 } };
    const { beyond } = chaosWaits(longLease, runnerKill, { maxWaitMs: 600_000 });
    expect(beyond.map(({ wait }) => wait.what)).toEqual([
      'taking over a bank claim the killed runner held, then calling the bank',
    ]);
    expect(refusalLine(beyond)).toContain('ASPAY_BANK_CLAIM_LEASE_MS (now 12000)');
  });

  it('waits for no bank-error reconciliation and no claim takeover when the plan has neither', () => {
    const quietPlan = planChaos({
      seed: 7,
      payments: 10,
      ratePerSecond: 10,
      faults: [],
      merchants: 2,
      mix: { decline: 0.5, bankError: 0, refund: 0, doubleClick: 0 },
    });
    expect(chaosWaits(stackSettings({}), quietPlan, { maxWaitMs: 600_000 })).toEqual({
      quietTimeoutMs: 60_000,
      beyond: [],
    });
  });
});
