import type { ResentNotice, Violation } from './checks';
import type { ChaosResult } from './run';
import { RECOVERY_BOUND_MS } from './timings';

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
    /** When what the fault took away was back: its recovery is timed from here. */
    returnedAt?: string;
    detail: string;
    /** Until a new payment completed and the work that waited at the fault's end was final. */
    recoveryMs: number | null;
    probeMs: number | null;
    waiting: number | null;
    waitingFinalMs: number | null;
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
  /** Payments and refunds seen waiting behind an expired bank claim. */
  expiredClaims: number;
  /** Processes of the stack alive after `local:down` (null: not checked). */
  survivedLocalDown: string[] | null;
  recoveryBoundMs: number;
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
      returnedAt: fault.returnedAt?.toISOString(),
      detail: fault.detail,
      recoveryMs: fault.recoveryMs ?? null,
      probeMs: fault.probeMs ?? null,
      waiting: fault.waited?.count ?? null,
      waitingFinalMs: fault.waited?.finalMs ?? null,
      error: fault.error,
    })),
    lost: count('lost'),
    doubled: count('doubled'),
    falseDeadLetters: count('false-dead-letter'),
    stranded: count('stranded'),
    resentAfterUnansweredAttempt: result.resentNotices,
    crashed: result.crashes.map((crash) => `${crash.name} at ${crash.at.toISOString()}`),
    expiredClaims: result.expiredClaims.length,
    survivedLocalDown: result.survivors?.map((survivor) => `${survivor.pid} ${survivor.command}`) ?? null,
    recoveryBoundMs: RECOVERY_BOUND_MS,
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
    ['waiting on an expired claim', String(figures.expiredClaims)],
    [
      'survived local:down',
      figures.survivedLocalDown === null ? 'not checked' : String(figures.survivedLocalDown.length),
    ],
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
  const kindWidth = Math.max(0, ...figures.faults.map((fault) => fault.kind.length));
  const faults = figures.faults.map(
    (fault) =>
      `  ${fault.kind.padEnd(kindWidth)} ${fault.startedAt} → ${fault.returnedAt ?? fault.endedAt}  recovery ${seconds(fault.recoveryMs)}${(fault.recoveryMs ?? Number.POSITIVE_INFINITY) > figures.recoveryBoundMs ? ' (over the bound)' : ''} (probe ${seconds(fault.probeMs)}, ${fault.waiting ?? '—'} waiting final ${seconds(fault.waitingFinalMs)})  ${fault.error ? `FAILED: ${fault.error}` : fault.detail}`,
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
    ...(faults.length
      ? [
          `Faults (recovery: from the dependency's return until a new payment and the work that waited are final; bound ${seconds(figures.recoveryBoundMs)}):`,
          ...faults,
        ]
      : []),
    ...(resent.length ? ['Resent after an unanswered attempt (webhooks are at-least-once):', ...resent] : []),
    ...(violations.length ? ['Violations:', ...violations] : ['No violation.']),
  ].join('\n');
}
