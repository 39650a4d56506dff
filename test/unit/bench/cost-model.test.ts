import { describe, expect, it } from 'vitest';
import { costPerMillionPayments, type PaymentWork, PRICES, PROD_SHAPE } from '../../../bench/cost-model';

const WORK: PaymentWork = {
  postgresCpuMs: 8,
  handlerCpuMs: 10,
  databaseRoundTrips: 13,
  databaseWritingTransactions: 9,
  dynamodbWrites: 2,
  dynamodbReads: 1,
  lambdaInvocations: 6,
  lambdaInvocationsBasis: 'counted',
  apiRequests: 1,
  logBytes: 2_000,
};

const line = (result: ReturnType<typeof costPerMillionPayments>, item: string) =>
  result.lines.find((candidate) => candidate.item === item)?.usdPerMillion;

describe('the cost model', () => {
  it('spreads hourly costs over the payments of an hour: ten times the rate, a tenth per million', () => {
    const at100 = costPerMillionPayments(WORK, 100);
    const at1000 = costPerMillionPayments(WORK, 1_000);
    // Two m7g.large brokers: 0.408 USD an hour over 360,000 payments.
    expect(line(at100, 'MSK brokers')).toBeCloseTo((2 * PRICES.mskM7gLargeBrokerPerHour * 1e6) / 360_000, 6);
    expect(line(at1000, 'MSK brokers')).toBeCloseTo((line(at100, 'MSK brokers') as number) / 10, 6);
    // Per-request prices do not depend on the rate.
    expect(line(at1000, 'DynamoDB')).toBe(line(at100, 'DynamoDB'));
    expect(line(at100, 'DynamoDB')).toBeCloseTo(2 * 0.625 + 1 * 0.125, 9);
  });

  it("bills Aurora at the ACUs the database's CPU needs, never below the stage's minimum", () => {
    // 8 ms per payment at 100/s is 0.8 vCPU: 3.2 ACU at 0.25 vCPU each, on both instances.
    const busy = costPerMillionPayments(WORK, 100);
    expect(line(busy, 'Aurora compute')).toBeCloseTo((3.2 * 2 * PRICES.auroraPerAcuHour * 1e6) / 360_000, 6);
    // 1 payment a second needs 0.032 ACU: the minimum (1 ACU) is billed.
    const idle = costPerMillionPayments(WORK, 1);
    expect(line(idle, 'Aurora compute')).toBeCloseTo(
      (PROD_SHAPE.auroraMinimumAcus * 2 * 0.12 * 1e6) / 3_600,
      6,
    );
    expect(idle.lines.find((candidate) => candidate.item === 'Aurora compute')?.fixed).toBe(true);
  });

  it('totals its lines and lists them most expensive first', () => {
    const { lines, totalUsd } = costPerMillionPayments(WORK, 100);
    expect(totalUsd).toBeCloseTo(
      lines.reduce((sum, candidate) => sum + candidate.usdPerMillion, 0),
      9,
    );
    expect(lines.map((candidate) => candidate.usdPerMillion)).toEqual(
      [...lines.map((candidate) => candidate.usdPerMillion)].sort((a, b) => b - a),
    );
  });
});
