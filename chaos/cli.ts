/**
 * `npm run chaos -- [options]`: a seeded, replayable fault run against the running local stack
 * (`npm run local:up` first). Prints a report; exits 1 naming each violation, 2 on a usage error.
 *
 *   --seed N         the schedule's seed (default: random, printed)
 *   --payments N     payments to send (default 300)
 *   --rate R         payments per second (default 10)
 *   --duration S     seconds of load instead of --payments (payments = rate × duration)
 *   --faults a,b     fault kinds in order (default: all of them)
 *   --quiet-timeout S   how long the system may take to settle after the load (default: from the stack's timings)
 *   --max-wait S     the longest designed wait (a backoff, a lease) the run waits out (default 600); longer, it refuses
 *   --supervisor-grace S  wait this long for the stack's supervisor to restart a killed process before restarting it (default 15)
 *   --no-down-check  skip the last phase: local:down, a look for survivors, and the stack back up
 *   --json FILE      also write the figures as JSON
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LOCAL_JSON } from '../localstack/src/settings';
import type { LocalEndpoints } from '../localstack/src/stack';
import { FAULT_KINDS, type FaultKind, planChaos } from './plan';
import { chaosProcessor, UnsupportedProcessorError } from './processor';
import { figuresOf, formatReport } from './report';
import { runChaos } from './run';
import { chaosWaits, refusalLine } from './timings';

class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
  return value;
}

function numeric(
  args: string[],
  name: string,
  fallback: number,
  { integer = true, min = 1 }: { integer?: boolean; min?: number } = {},
): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !(value >= min) || (integer && !Number.isInteger(value)))
    throw new UsageError(`--${name} takes a ${integer ? 'whole ' : ''}number ≥ ${min}, got "${raw}"`);
  return value;
}

function faultsOf(raw: string | undefined): FaultKind[] {
  if (raw === undefined) return [...FAULT_KINDS];
  if (raw === 'none') return [];
  return raw.split(',').map((kind) => {
    if (!(FAULT_KINDS as readonly string[]).includes(kind))
      throw new UsageError(`unknown fault "${kind}": use ${FAULT_KINDS.join(', ')} or none`);
    return kind as FaultKind;
  });
}

async function main(args: string[]): Promise<number> {
  const seed = numeric(args, 'seed', Math.floor(Math.random() * 2 ** 31), { min: 0 });
  const rate = numeric(args, 'rate', 10, { integer: false, min: 0.1 });
  const duration = option(args, 'duration');
  const payments = duration
    ? Math.round(rate * numeric(args, 'duration', 1))
    : numeric(args, 'payments', 300);
  const faults = faultsOf(option(args, 'faults'));
  const jsonFile = option(args, 'json');
  if (!existsSync(LOCAL_JSON)) throw new UsageError('the local stack is not running: npm run local:up first');
  const endpoints = JSON.parse(readFileSync(LOCAL_JSON, 'utf8')) as LocalEndpoints;
  if (!endpoints.settings)
    throw new UsageError(
      'the running stack did not record its timings in .aspay/local.json: restart it (npm run local:down, then local:up)',
    );
  // A process the run restarts comes back with the settings the stack was started with, not this shell's.
  Object.assign(process.env, endpoints.settings.environment);
  const processor = chaosProcessor(endpoints);
  const plan = planChaos({
    seed,
    payments,
    ratePerSecond: rate,
    faults,
    merchants: endpoints.merchants.length,
    sources: processor.sources,
  });
  const waits = chaosWaits(endpoints.settings, plan, {
    maxWaitMs: numeric(args, 'max-wait', 600) * 1_000,
  });
  if (waits.beyond.length > 0) throw new UsageError(refusalLine(waits.beyond));
  const quietTimeoutMs = numeric(args, 'quiet-timeout', Math.ceil(waits.quietTimeoutMs / 1000)) * 1_000;
  console.log(
    `chaos: seed ${seed} (replay with --seed ${seed}), ${payments} payments at ${rate}/s on the ${processor.label}, faults: ${faults.join(', ') || 'none'}; quiet within ${quietTimeoutMs / 1000} s (from the stack's timings)`,
  );
  const result = await runChaos({
    plan,
    endpoints,
    processor,
    restart: { supervisorGraceMs: numeric(args, 'supervisor-grace', 15, { min: 0 }) * 1_000 },
    quietTimeoutMs,
    recoveryTimeoutMs: 120_000,
    downCheck: !args.includes('--no-down-check'),
    log: (line) => console.log(`chaos: ${line}`),
  });
  const figures = figuresOf(result);
  console.log(formatReport(figures));
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(figures, null, 2)}\n`);
  if (figures.violations.length === 0) return 0;
  const checks = [...new Set(figures.violations.map((violation) => violation.check))];
  console.error(`aspay chaos: ${figures.violations.length} violation(s): ${checks.join(', ')}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    // The operator's mistake, told in one line: exit 2.
    const refused = error instanceof UsageError || error instanceof UnsupportedProcessorError;
    console.error(`aspay chaos: ${refused ? error.message : `failed: ${error.message}`}`);
    process.exit(refused ? 2 : 1);
  },
);
