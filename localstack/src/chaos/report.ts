import type { ResentNotice, Violation } from './checks';
import type { ChaosResult } from './run';

/** The run's figures, as `--json` writes them. */
export interface ChaosFigures {
  seed: number;
  runId: string;
  elapsedMs: number;
  requests: number;
  payments: {
    sent: number;
    accepted: number;
    /** Sent but never answered 202, even after retries with the same key. */
    notAccepted: number;
    doubleClicks: number;
    refundsAccepted: number;
    byStatus: Record<string, number>;
  };
  faults: {
    kind: string;
    startedAt: string;
    endedAt: string;
    restoredAt?: string;
    detail: string;
    recoveryMs: number | null;
    error?: string;
  }[];
  lost: number;
  doubled: number;
  falseDeadLetters: number;
  stranded: number;
  /** Notices received again after an attempt whose answer never came (at-least-once, not a violation). */
  resentAfterUnansweredAttempt: ResentNotice[];
  /** Processes that died without a fault killing them. */
  crashed: string[];
  worstRecoveryMs: number | null;
  quiet: { quiet: boolean; waitedMs: number };
  violations: Violation[];
}

export function figuresOf(result: ChaosResult): ChaosFigures {
  const count = (check: Violation['check']) =>
    result.violations.filter((violation) => violation.check === check).length;
  const recoveries = result.faults.map((fault) => fault.recoveryMs ?? null);
  const accepted = result.outcomes.filter((outcome) => outcome.accepted).length;
  return {
    seed: result.plan.seed,
    runId: result.runId,
    elapsedMs: result.elapsedMs,
    requests: result.requests,
    payments: {
      sent: result.outcomes.length,
      accepted,
      notAccepted: result.outcomes.length - accepted,
      doubleClicks: result.outcomes.filter((outcome) => outcome.planned.doubleClick).length,
      refundsAccepted: result.outcomes.filter((outcome) => outcome.refund?.answer === 201).length,
      byStatus: result.statuses,
    },
    faults: result.faults.map((fault) => ({
      kind: fault.kind,
      startedAt: fault.startedAt.toISOString(),
      endedAt: fault.endedAt.toISOString(),
      restoredAt: fault.restoredAt?.toISOString(),
      detail: fault.detail,
      recoveryMs: fault.recoveryMs ?? null,
      error: fault.error,
    })),
    lost: count('lost'),
    doubled: count('doubled'),
    falseDeadLetters: count('false-dead-letter'),
    stranded: count('stranded'),
    resentAfterUnansweredAttempt: result.resentNotices,
    crashed: result.crashes.map((crash) => `${crash.name} at ${crash.at.toISOString()}`),
    worstRecoveryMs: recoveries.includes(null)
      ? null
      : recoveries.reduce<number | null>((worst, ms) => Math.max(worst ?? 0, ms ?? 0), null),
    quiet: { quiet: result.quiet.quiet, waitedMs: result.quiet.waitedMs },
    violations: result.violations,
  };
}

const seconds = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`;

/** The human report: one table of figures, the faults with their times, then each violation by name. */
export function formatReport(figures: ChaosFigures): string {
  const rows: [string, string][] = [
    ['seed', String(figures.seed)],
    ['payments sent / accepted', `${figures.payments.sent} / ${figures.payments.accepted}`],
    [
      'final statuses',
      Object.entries(figures.payments.byStatus)
        .map(([status, n]) => `${status} ${n}`)
        .join(', '),
    ],
    ['double clicks / refunds', `${figures.payments.doubleClicks} / ${figures.payments.refundsAccepted}`],
    ['faults injected', String(figures.faults.length)],
    ['lost', String(figures.lost)],
    ['doubled', String(figures.doubled)],
    ['false dead letters', String(figures.falseDeadLetters)],
    ['stranded', String(figures.stranded)],
    ['resent after an unanswered attempt', String(figures.resentAfterUnansweredAttempt.length)],
    ['crashed processes', figures.crashed.length ? figures.crashed.join(', ') : '0'],
    [
      'worst recovery',
      figures.worstRecoveryMs === null && figures.faults.length
        ? 'not recovered'
        : seconds(figures.worstRecoveryMs),
    ],
    [
      'quiet after',
      figures.quiet.quiet
        ? seconds(figures.quiet.waitedMs)
        : `not quiet (${seconds(figures.quiet.waitedMs)})`,
    ],
    ['violations', String(figures.violations.length)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`);
  const faults = figures.faults.map(
    (fault) =>
      `  ${fault.kind.padEnd(16)} ${fault.startedAt} → ${fault.endedAt}  recovery ${seconds(fault.recoveryMs)}  ${fault.error ? `FAILED: ${fault.error}` : fault.detail}`,
  );
  const byCheck = new Map<string, Violation[]>();
  for (const violation of figures.violations)
    byCheck.set(violation.check, [...(byCheck.get(violation.check) ?? []), violation]);
  const violations = [...byCheck.entries()].flatMap(([check, found]) => [
    `  ${check}: ${found.length}`,
    ...found.slice(0, 5).map((violation) => `    ${violation.subject}: ${violation.detail}`),
    ...(found.length > 5 ? [`    … and ${found.length - 5} more (see --json)`] : []),
  ]);
  const resent = figures.resentAfterUnansweredAttempt.map(
    (notice) =>
      `  ${notice.eventId}: received ${notice.received} times, ${notice.unanswered} attempt(s) unanswered`,
  );
  return [
    `Chaos run ${figures.runId} (seed ${figures.seed}, ${seconds(figures.elapsedMs)})`,
    ...lines,
    ...(faults.length ? ['Faults:', ...faults] : []),
    ...(resent.length ? ['Resent after an unanswered attempt (webhooks are at-least-once):', ...resent] : []),
    ...(violations.length ? ['Violations:', ...violations] : ['No violation.']),
  ].join('\n');
}
