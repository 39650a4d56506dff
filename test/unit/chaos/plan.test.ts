import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, PROCESSOR_SOURCES, partialRefundAmount, planChaos } from '../../../chaos/plan';

const options = { payments: 300, ratePerSecond: 10, faults: FAULT_KINDS, merchants: 2 };

describe('the chaos plan', () => {
  it('replays the same payments and faults from the same seed', () => {
    expect(planChaos({ ...options, seed: 42 })).toEqual(planChaos({ ...options, seed: 42 }));
  });

  it('gives another schedule for another seed', () => {
    const one = planChaos({ ...options, seed: 1 });
    const other = planChaos({ ...options, seed: 2 });
    expect(other.payments.map((payment) => payment.amount)).not.toEqual(
      one.payments.map((payment) => payment.amount),
    );
    expect(other.faults.map((fault) => fault.atMs)).not.toEqual(one.faults.map((fault) => fault.atMs));
  });

  it('spreads payments at the rate and mixes every kind, double clicks and both refunds', () => {
    const plan = planChaos({ ...options, seed: 7 });
    // 300 payments at 10/s: about 30 s (exponential gaps, so only roughly).
    expect(plan.durationMs).toBeGreaterThan(20_000);
    expect(plan.durationMs).toBeLessThan(40_000);
    const kinds = new Set(plan.payments.map((payment) => payment.kind));
    expect(kinds).toEqual(new Set(['success', 'decline', 'bankError']));
    expect(plan.payments.some((payment) => payment.doubleClick)).toBe(true);
    const refunds = plan.payments.flatMap((payment) => (payment.refund ? [payment] : []));
    expect(new Set(refunds.map((payment) => payment.refund?.kind))).toEqual(new Set(['full', 'partial']));
    expect(refunds.every((payment) => payment.kind === 'success')).toBe(true);
    for (const payment of plan.payments) expect(payment.amount).toMatch(/^\d+\.\d{2}$/);
  });

  it("sends each kind with its processor's source, and no bank error payment to a processor without one", () => {
    const simulator = planChaos({ ...options, seed: 7 });
    for (const payment of simulator.payments)
      expect(payment.source).toBe(PROCESSOR_SOURCES.simulator[payment.kind]);
    const stripe = planChaos({ ...options, seed: 7, sources: PROCESSOR_SOURCES.stripe });
    expect(new Set(stripe.payments.map((payment) => payment.kind))).toEqual(new Set(['success', 'decline']));
    expect(new Set(stripe.payments.map((payment) => payment.source))).toEqual(
      new Set(['pm_card_visa', 'pm_card_chargeDeclined']),
    );
    expect(stripe.successSource).toBe('pm_card_visa');
  });

  it('injects the faults in the order given, in their own slices of the run, without overlap', () => {
    const plan = planChaos({ ...options, seed: 7 });
    expect(plan.faults.map((fault) => fault.kind)).toEqual([...FAULT_KINDS]);
    const slice = plan.durationMs / FAULT_KINDS.length;
    plan.faults.forEach((fault, position) => {
      expect(fault.atMs).toBeGreaterThanOrEqual(slice * position);
      expect(fault.atMs).toBeLessThan(slice * (position + 0.5) + 1);
    });
    expect(plan.faults.find((fault) => fault.kind === 'database-outage')?.forMs).toBe(20_000);
  });

  it('refunds about half, rounded down to the cent, and never less than a cent', () => {
    expect(partialRefundAmount('25.00')).toBe('12.50');
    expect(partialRefundAmount('10.05')).toBe('5.02');
    expect(partialRefundAmount('0.01')).toBe('0.01');
  });
});
