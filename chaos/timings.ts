import { ENV } from '../lambdas/core/config/environment';
import {
  backoffMs,
  totalBackoffMs,
  UNAVAILABLE_DEPENDENCY_RETRY,
} from '../lambdas/core/config/retry-policies';
import { claimLeaseMs } from '../lambdas/core/config/webhooks';
import { LOCAL_STACK_ENV } from '../localstack/src/settings';
import type { StackSettings } from '../localstack/src/stack';
import type { ChaosPlan, FaultKind } from './plan';

/** How soon after a fault's dependency returns the work that waited on it must be final. */
export const RECOVERY_BOUND_MS = 10_000;

/** Added to the longest designed wait for the load's own backlog to drain on a loaded machine. */
const SETTLE_MARGIN_MS = 60_000;

/** A wait the stack's timings impose by design, and the settings it comes from (with their values now). */
export interface DesignedWait {
  what: string;
  ms: number;
  settings: Record<string, number | string>;
}

/** How often the sweep that retries waiting payments, refunds and notices runs. */
export function sweepEveryMs(settings: StackSettings): number {
  return settings.schedulesEveryMs['retry-sweep'] ?? Math.max(...Object.values(settings.schedulesEveryMs));
}

const SWEEP = LOCAL_STACK_ENV.scheduleEveryMs;
const LATENCY = LOCAL_STACK_ENV.bankLatencyMs;
const latencyText = ({ bankLatencyMs: { min, max } }: StackSettings) =>
  min === max ? `${min}` : `${min}-${max}`;

/** The first retry at or after `afterMs`, for retries spaced by the doubling backoff from 0. */
function firstRetryAfter(backoff: { baseMs: number; maxMs: number }, afterMs: number): number {
  let at = 0;
  for (let retry = 1; at < afterMs; retry++) at += backoffMs(backoff, retry);
  return at;
}

/** Sending again a notice a killed notifier held: its claim ends, then the sweep finds it. */
function noticeTakeover(settings: StackSettings): DesignedWait {
  const { webhooks } = settings;
  const sweep = sweepEveryMs(settings);
  return {
    what: 'sending a notice held by a killed notifier',
    ms: claimLeaseMs(webhooks) + sweep,
    settings: {
      [ENV.webhookTimeoutMs]: webhooks.timeoutMs,
      [ENV.webhookRecordingGraceMs]: webhooks.recordingGraceMs,
      [SWEEP]: sweep,
    },
  };
}

/**
 * What the quiet wait after the load must cover, for the payments and faults of this plan: each is a wait
 * the stack takes on purpose (a backoff, a lease, a sweep), so the run waits it out instead of calling
 * the work stranded.
 */
export function settleWaits(settings: StackSettings, plan: ChaosPlan): DesignedWait[] {
  const { bank, bankLatencyMs } = settings;
  const sweep = sweepEveryMs(settings);
  const kinds = new Set<FaultKind>(plan.faults.map((fault) => fault.kind));
  const waits: DesignedWait[] = [];
  if (plan.payments.some((payment) => payment.kind === 'bankError')) {
    const pending = { baseMs: bank.pendingRetryAfterMs, maxMs: bank.pendingRetryMaxMs };
    const call =
      bank.maxAttempts * bankLatencyMs.max + totalBackoffMs({ baseMs: bank.backoffBaseMs }, bank.maxAttempts);
    waits.push({
      what: 'reconciling a tok_bank_error payment',
      ms: totalBackoffMs(pending, bank.giveUpAfterAttempts) + bank.giveUpAfterAttempts * (call + sweep),
      settings: {
        [ENV.pendingRetryAfterMs]: bank.pendingRetryAfterMs,
        [ENV.pendingRetryMaxMs]: bank.pendingRetryMaxMs,
        [ENV.bankGiveUpAfterAttempts]: bank.giveUpAfterAttempts,
        [SWEEP]: sweep,
      },
    });
  }
  if (plan.faults.length > 0)
    waits.push({
      what: 'taking over a claim left by a stopped bank call',
      ms: bank.claimLeaseMs + sweep,
      settings: { [ENV.bankClaimLeaseMs]: bank.claimLeaseMs, [SWEEP]: sweep },
    });
  if (kinds.has('runner-kill') || kinds.has('supervisor-kill')) waits.push(noticeTakeover(settings));
  waits.push(...plan.faults.flatMap((fault) => recoveryWaits(settings, fault.kind, fault.forMs)));
  return waits;
}

/**
 * How long after its dependency returns the stack takes by design to finish what waited on a fault: the
 * backoffs, breaker windows and sweeps it runs with, and one bank call. Longer than the recovery bound means
 * a run would report the stack's own patience as a slow recovery.
 */
export function recoveryWaits(settings: StackSettings, kind: FaultKind, forMs: number): DesignedWait[] {
  const { bank, webhooks, bankLatencyMs } = settings;
  const sweep = sweepEveryMs(settings);
  switch (kind) {
    case 'bank-outage':
      return [
        {
          what: 'retrying a payment left waiting by a bank outage',
          ms: Math.max(bank.breakerHalfOpenAfterMs, bank.pendingRetryMaxMs) + sweep + bankLatencyMs.max,
          settings: {
            [ENV.breakerHalfOpenAfterMs]: bank.breakerHalfOpenAfterMs,
            [ENV.pendingRetryMaxMs]: bank.pendingRetryMaxMs,
            [SWEEP]: sweep,
            [LATENCY]: latencyText(settings),
          },
        },
      ];
    case 'webhook-outage': {
      const retries = { baseMs: webhooks.retryBaseMs, maxMs: webhooks.retryMaxMs };
      return [
        {
          what: "retrying a notice that failed during a merchant's outage",
          ms: firstRetryAfter(retries, forMs) - forMs + sweep,
          settings: {
            [ENV.webhookRetryBaseMs]: webhooks.retryBaseMs,
            [ENV.webhookRetryMaxMs]: webhooks.retryMaxMs,
            [SWEEP]: sweep,
          },
        },
      ];
    }
    case 'database-outage':
    case 'payment-claim-database-outage':
    case 'refund-claim-database-outage':
    case 'kafka-restart':
      // A handler waiting for its dependency tries again within the policy's cap, then calls the bank.
      return [
        {
          what: 'resuming a payment that waited for the database or the broker',
          ms: UNAVAILABLE_DEPENDENCY_RETRY.maxMs + bankLatencyMs.max,
          settings: { [LATENCY]: latencyText(settings) },
        },
      ];
    case 'api-kill':
      return [
        {
          what: "getting a restarted process's payment through the bank",
          ms: bankLatencyMs.max,
          settings: { [LATENCY]: latencyText(settings) },
        },
      ];
    case 'runner-kill':
    case 'supervisor-kill':
      // The killed runner may have held a payment's bank claim, which its redelivered event takes over when the
      // lease ends, and a notice's delivery claim, which the sweep takes over when its claim ends.
      return [
        {
          what: 'taking over a bank claim the killed runner held, then calling the bank',
          ms: bank.claimLeaseMs + bankLatencyMs.max,
          settings: { [ENV.bankClaimLeaseMs]: bank.claimLeaseMs, [LATENCY]: latencyText(settings) },
        },
        noticeTakeover(settings),
      ];
  }
}

export interface ChaosWaits {
  /** How long the run waits for quiet after the load. */
  quietTimeoutMs: number;
  /** The designed waits beyond what the run allows, with the settings that make them: the run refuses. */
  beyond: { wait: DesignedWait; bound: string }[];
}

/**
 * The run's waits from the stack's timings: the quiet wait covers the longest designed wait (plus a margin
 * for the load's backlog); a designed wait longer than `maxWaitMs`, or a designed recovery longer than the
 * recovery bound, is named so the run can refuse before it starts.
 */
export function chaosWaits(
  settings: StackSettings,
  plan: ChaosPlan,
  { maxWaitMs }: { maxWaitMs: number },
): ChaosWaits {
  const settle = settleWaits(settings, plan);
  const longest = Math.max(0, ...settle.map((wait) => wait.ms));
  const beyond = [
    ...settle
      .filter((wait) => wait.ms + SETTLE_MARGIN_MS > maxWaitMs)
      .map((wait) => ({ wait, bound: `the ${Math.round(maxWaitMs / 1000)} s the run waits (--max-wait)` })),
    ...plan.faults
      .flatMap((fault) => recoveryWaits(settings, fault.kind, fault.forMs))
      .filter((wait) => wait.ms > RECOVERY_BOUND_MS)
      .map((wait) => ({ wait, bound: `the ${RECOVERY_BOUND_MS / 1000} s recovery bound` })),
  ];
  const unique = new Map(beyond.map((entry) => [`${entry.wait.what}|${entry.bound}`, entry]));
  return { quietTimeoutMs: longest + SETTLE_MARGIN_MS, beyond: [...unique.values()] };
}

const duration = (ms: number) =>
  ms >= 3_600_000
    ? `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`
    : ms >= 120_000
      ? `${Math.round(ms / 60_000)} min`
      : `${(ms / 1000).toFixed(1)} s`;

/** The one line a refusing run prints: the settings to change, and why. */
export function refusalLine(beyond: ChaosWaits['beyond']): string {
  const settings = new Map<string, number | string>();
  const bounds = new Map<string, { wait: DesignedWait; over: string[] }>();
  for (const { wait, bound } of beyond) {
    // A setting at 0 cannot be shortened: it is not what makes the wait long.
    for (const [name, value] of Object.entries(wait.settings))
      if (value !== 0 && value !== '0') settings.set(name, value);
    const entry = bounds.get(wait.what) ?? { wait, over: [] };
    entry.over.push(bound);
    bounds.set(wait.what, entry);
  }
  const named = [...settings].map(([name, value]) => `${name} (now ${value})`).join(', ');
  const reasons = [...bounds.values()]
    .map(({ wait, over }) => `${wait.what} takes ~${duration(wait.ms)}, over ${over.join(' and ')}`)
    .join('; ');
  return `the stack's timings make waits this run cannot check: start it with shorter ${named} (npm test's timings, in docs/chaos.md, will do): ${reasons}`;
}
