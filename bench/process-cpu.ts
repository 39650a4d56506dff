/**
 * CPU time per part of the local stack, from Linux's /proc: the stack's own processes (found by the checkout they
 * run from) and every PostgreSQL process, so that a step's CPU per payment can be told by part: ASPay's
 * (handlers and the SQL they send), the engines AWS runs as managed services (Kafka), and emulation that AWS
 * would not run at all (DynamoDB Local, ElasticMQ, the local RDS Proxy, the simulators, the sinks).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { stackProcesses } from '../chaos/stack-processes';

export const STACK_PARTS = {
  postgres: 'aspay',
  runner: 'aspay',
  api: 'aspay',
  kafka: 'engine',
  dynamodb: 'emulation',
  elasticmq: 'emulation',
  'rds-proxy': 'emulation',
  bank: 'emulation',
  'stripe-simulator': 'emulation',
  'webhook-sink': 'emulation',
  'mail-catcher': 'emulation',
  other: 'emulation',
  /** The bench's own queries (its polls for the step's end): measured apart and left out of the total. */
  'bench-queries': 'measurement',
} as const;

export type StackPart = keyof typeof STACK_PARTS;
export type PartKind = (typeof STACK_PARTS)[StackPart];

/** Which part a stack process is, by its command line (each service runs its own script or engine class). */
export function partOf(command: string): StackPart {
  const parts: [RegExp, StackPart][] = [
    [/runner\/server\.ts/, 'runner'],
    [/gateway\/server\.ts/, 'api'],
    [/rds-proxy-server\.ts/, 'rds-proxy'],
    [/bank\/server\.ts/, 'bank'],
    [/stripe\/server\.ts/, 'stripe-simulator'],
    [/webhooks\/server\.ts/, 'webhook-sink'],
    [/mail\/server\.ts/, 'mail-catcher'],
    [/kafka\.Kafka/, 'kafka'],
    [/dynamodb\.services\.local/, 'dynamodb'],
    [/org\.elasticmq/, 'elasticmq'],
  ];
  return parts.find(([pattern]) => pattern.test(command))?.[1] ?? 'other';
}

/**
 * User and system CPU (ms) of a process from its /proc/<pid>/stat text; with `children`, also what its children
 * that ended and were reaped used (cutime, cstime): PostgreSQL's backends come and go with their connections,
 * and the postmaster reaps them.
 */
export function cpuMsOfStat(stat: string, clockTicksPerSecond: number, children = false): number {
  // The command name (field 2) is in parentheses and may contain spaces: count fields after its last ')'.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // utime, stime, cutime and cstime are fields 14 to 17 of the line, 12 to 15 after the name.
  const [utime = Number.NaN, stime = Number.NaN, cutime = 0, cstime = 0] = fields.slice(11, 15);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc/<pid>/stat');
  return ((utime + stime + (children ? cutime + cstime : 0)) * 1_000) / clockTicksPerSecond;
}

function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // ended meanwhile
  }
}

/** Every PostgreSQL process on the machine, the postmaster (whose parent is no PostgreSQL process) marked. */
function postgresProcesses(): { pid: number; postmaster: boolean }[] {
  const postgres = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry)) ?? '';
    // "pid (comm) state ppid …": the command name between the first '(' and the last ')'.
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
    postgres.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  return [...postgres].map(([pid, parent]) => ({ pid, postmaster: !postgres.has(parent) }));
}

/**
 * The CPU (ms) each part of the stack has used so far; `benchBackends` are the PostgreSQL backends serving the
 * bench's own connections (kept open for the whole run, so none is reaped into the postmaster's count).
 */
export function stackCpuMs(
  root: string,
  clockTicksPerSecond: number,
  benchBackends: ReadonlySet<number> = new Set(),
): Record<StackPart, number> {
  const used = Object.fromEntries(Object.keys(STACK_PARTS).map((part) => [part, 0])) as Record<
    StackPart,
    number
  >;
  const count = (part: StackPart, pid: number, children = false) => {
    const stat = readStat(pid);
    if (stat) used[part] += cpuMsOfStat(stat, clockTicksPerSecond, children);
  };
  for (const { pid, postmaster } of postgresProcesses())
    count(benchBackends.has(pid) ? 'bench-queries' : 'postgres', pid, postmaster);
  for (const { pid, command } of stackProcesses(root))
    if (!/(^|\/)postgres( |$)/.test(command)) count(partOf(command), pid);
  return used;
}

/** CPU per payment by part between two readings, and by kind (ASPay, managed engine, emulation). */
export function cpuPerPayment(
  before: Record<StackPart, number>,
  after: Record<StackPart, number>,
  payments: number,
): { parts: Record<StackPart, number>; kinds: Record<PartKind, number>; total: number } {
  const parts = Object.fromEntries(
    (Object.keys(STACK_PARTS) as StackPart[]).map((part) => [part, (after[part] - before[part]) / payments]),
  ) as Record<StackPart, number>;
  const kinds: Record<PartKind, number> = { aspay: 0, engine: 0, emulation: 0, measurement: 0 };
  for (const part of Object.keys(parts) as StackPart[]) kinds[STACK_PARTS[part]] += parts[part];
  return { parts, kinds, total: kinds.aspay + kinds.engine + kinds.emulation };
}
