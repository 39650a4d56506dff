/**
 * The sandbox bank (lambdas/core/sandbox-bank): its answer delays, and the DynamoDB table that holds its charges
 * and refunds in AWS, shared by the handler, the CDK table and the integration test so that they never drift.
 */

export interface LatencyRange {
  min: number;
  max: number;
}

/** `ASPAY_BANK_LATENCY_MS`: "5000-10000" (the seed's slow bank, the default), "250", or "0" for instant. */
export function parseLatency(raw: string | undefined): LatencyRange {
  const text = raw === undefined || raw === '' ? '5000-10000' : raw;
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`ASPAY_BANK_LATENCY_MS must be "<ms>" or "<min>-<max>", got "${text}"`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) throw new Error(`ASPAY_BANK_LATENCY_MS range is reversed: "${text}"`);
  return { min, max };
}

/** One item per charge, refund or call, by a prefixed key; every item expires (DynamoDB TTL). */
export const SANDBOX_BANK_TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  /**
   * How long the sandbox remembers a charge: far beyond the bank attempt limit's reconciliation (hours), and
   * long enough to refund a test payment weeks later.
   */
  keepForSeconds: 30 * 24 * 60 * 60,
} as const;

/**
 * The in-stack sandbox bank Lambda: how long one call may run (its timeout) and how long `tok_timeout` hangs,
 * beyond the bank connector's 15 s attempt but inside the function's timeout, so that the hanging call ends
 * with an answer nobody waits for rather than a killed function.
 */
export const SANDBOX_BANK_FUNCTION = { timeoutSeconds: 30, hangMs: 25_000, slowAnswerMs: 3_000 } as const;
