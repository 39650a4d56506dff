/**
 * The bench's run: the engines' limits, the API's create path, the pipeline under offered rates, the relay and
 * each consumer alone, cold starts and a payment's round trips, in one run on the local stack (see
 * docs/pipeline-performance.md). Prints a table, writes bench/results/<date>.json and .svg; a failed section is
 * reported and makes the run exit 1 with a one-line message.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createKafka } from '../lambdas/core/adapters/kafka/client';
import { CONSUMERS } from '../lambdas/core/config/messaging';
import { ROOT } from '../localstack/src/settings';
import { consumersAlone, prefillInitiatedPayments, relayAlone } from './alone';
import { latencyChartSvg } from './chart';
import { coldStarts } from './cold-start';
import {
  costPerMillionPayments,
  DEFAULT_ASSUMPTIONS,
  DYNAMODB_CALLS_FROM_CODE,
  type PaymentWork,
  PRICES,
  PROD_SHAPE,
} from './cost-model';
import { createTransactionLimit, dynamodbConditionalPutLimit, kafkaProduceLimit } from './engines';
import { apiProcessCpuMs, createPayments } from './load';
import { BENCH_APPLICATION_NAME, perPaymentCost, pipelineStep, type StepResult } from './pipeline';
import { createScratchDatabase } from './scratch';
import { benchStack } from './stack';
import { highestSustainedRate, percentile, perSecond } from './stats';

/** The sections of a run, in order; `--only` runs a subset of them. */
const SECTIONS = [
  'postgresCreateTransaction',
  'dynamodbConditionalPut',
  'kafkaProduce',
  'apiCreate',
  'perPayment',
  'pipeline',
  'awsCost',
  'relayAlone',
  'consumersAlone',
  'coldStart',
] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench -- [--quick] [--steps 25,50,100,150,200] [--step-seconds 20] [--api-seconds 20]
  [--engine-seconds 10] [--relay-events 50000] [--consumer-records 2000] [--cost-payments 300] [--out bench/results]
  [--only <section>[,<section>…]]   sections: ${SECTIONS.join(', ')}`;

export class UsageError extends Error {}

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      steps: { type: 'string' },
      'step-seconds': { type: 'string' },
      'api-seconds': { type: 'string' },
      'engine-seconds': { type: 'string' },
      'relay-events': { type: 'string' },
      'consumer-records': { type: 'string' },
      'cost-payments': { type: 'string' },
      out: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new UsageError(USAGE);
  const quick = values.quick;
  const positive = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new UsageError(`--${name} must be a positive integer, got "${raw}"`);
    return value;
  };
  const only = values.only?.split(',').map((name) => {
    if (!(SECTIONS as readonly string[]).includes(name))
      throw new UsageError(`--only: unknown section "${name}"; sections: ${SECTIONS.join(', ')}`);
    return name as Section;
  });
  const steps = (values.steps ?? '25,50,100,150,200').split(',').map((step) => positive('steps', step, 0));
  return {
    quick,
    steps,
    stepSeconds: positive('step-seconds', values['step-seconds'], quick ? 5 : 20),
    apiSeconds: positive('api-seconds', values['api-seconds'], quick ? 5 : 20),
    engineSeconds: positive('engine-seconds', values['engine-seconds'], quick ? 2 : 10),
    relayEvents: positive('relay-events', values['relay-events'], quick ? 5_000 : 50_000),
    consumerRecords: positive('consumer-records', values['consumer-records'], quick ? 200 : 2_000),
    costPayments: positive('cost-payments', values['cost-payments'], quick ? 50 : 300),
    imports: quick ? 1 : 3,
    only,
    out: values.out ?? join(ROOT, 'bench', 'results'),
  };
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

const CONCURRENCY = 8;
const fixed = (value: number | undefined, digits = 0) => (value === undefined ? '—' : value.toFixed(digits));
const ms = (value: number | undefined) => (value === undefined ? '—' : `${value.toFixed(0)} ms`);

export async function main(): Promise<number> {
  const settings = options(process.argv.slice(2));
  const runId = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      loadAverageAtStart: loadavg().map((load) => Number(load.toFixed(2))),
      node: process.version,
    },
    // The output folder relative to the repository, so a results file names no path of the machine it ran on.
    settings: { ...settings, out: relative(ROOT, settings.out) || '.' },
  };
  const rows: [string, string, string][] = [];
  const failures: string[] = [];
  const section = async <T>(name: Section, work: () => Promise<T>): Promise<T | undefined> => {
    if (settings.only && !settings.only.includes(name)) return undefined;
    console.error(`bench: ${name}…`);
    try {
      const value = await work();
      results[name] = value;
      return value;
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      failures.push(`${name}: ${reason}`);
      results[name] = { failed: reason };
      rows.push([name, 'FAILED', reason ?? '']);
      return undefined;
    }
  };

  const stack = await benchStack();
  const { endpoints } = stack;
  results.stack = { reused: !stack.startedHere };
  // Its connections stay open (no idle timeout) under the bench's name: their backends' CPU is the bench's
  // polling, counted apart from PostgreSQL's work for the stack (bench/process-cpu.ts).
  const pool = new pg.Pool({
    connectionString: endpoints.databaseUrl,
    max: 2,
    idleTimeoutMillis: 0,
    application_name: BENCH_APPLICATION_NAME,
  });
  const kafka = createKafka({ clientId: 'aspay-bench', brokers: endpoints.kafkaBrokers.split(',') });
  const scratch = await createScratchDatabase(endpoints);
  const scratchPool = new pg.Pool({ connectionString: scratch.url, max: 2 });
  try {
    const engineMs = settings.engineSeconds * 1_000;
    const pgLimit = await section('postgresCreateTransaction', () =>
      createTransactionLimit(scratch.url, CONCURRENCY, engineMs),
    );
    const ddbLimit = await section('dynamodbConditionalPut', () =>
      dynamodbConditionalPutLimit(endpoints, CONCURRENCY, engineMs),
    );
    const kafkaLimit = await section('kafkaProduce', () =>
      kafkaProduceLimit(endpoints, CONCURRENCY, engineMs),
    );
    if (pgLimit)
      rows.push([
        'engines',
        `PostgreSQL create transaction (${CONCURRENCY} clients)`,
        `${fixed(pgLimit.perSecond)} tx/s`,
      ]);
    if (ddbLimit)
      rows.push([
        'engines',
        `DynamoDB Local conditional put (${CONCURRENCY} callers)`,
        `${fixed(ddbLimit.perSecond)} puts/s`,
      ]);
    if (kafkaLimit) {
      rows.push([
        'engines',
        `Kafka produce, 1 record per send (${CONCURRENCY} callers)`,
        `${fixed(kafkaLimit.singleRecord.perSecond)} records/s`,
      ]);
      rows.push([
        'engines',
        `Kafka produce, ${kafkaLimit.batched.batchSize} records per send`,
        `${fixed(kafkaLimit.batched.perSecond)} records/s`,
      ]);
    }

    const api = await section('apiCreate', async () => {
      // Warm-up, not measured: the API's first requests import its handlers and open its pools (cold starts).
      await createPayments(endpoints, {
        connections: CONCURRENCY,
        durationSeconds: 2,
        keyPrefix: `bench-${runId}-warm-`,
      });
      const ticks = clockTicksPerSecond();
      const cpuBefore = apiProcessCpuMs(ticks);
      const load = await createPayments(endpoints, {
        connections: CONCURRENCY,
        durationSeconds: settings.apiSeconds,
        keyPrefix: `bench-${runId}-api-`,
      });
      const cpuMs = apiProcessCpuMs(ticks) - cpuBefore;
      if (load.accepted === 0)
        throw new Error(`no request was accepted: ${JSON.stringify(load.otherStatuses)}`);
      return {
        connections: CONCURRENCY,
        requests: load.requests,
        accepted: load.accepted,
        otherStatuses: load.otherStatuses,
        errors: load.errors,
        requestsPerSecond: perSecond(load.requests, load.elapsedMs),
        p50Ms: percentile(load.latenciesMs, 50),
        p95Ms: percentile(load.latenciesMs, 95),
        p99Ms: percentile(load.latenciesMs, 99),
        cpuMsPerRequest: cpuMs / load.requests,
        ratioToPostgres: pgLimit ? perSecond(load.requests, load.elapsedMs) / pgLimit.perSecond : undefined,
        ratioToDynamodb: ddbLimit ? perSecond(load.requests, load.elapsedMs) / ddbLimit.perSecond : undefined,
        ratioToKafka: kafkaLimit
          ? perSecond(load.requests, load.elapsedMs) / kafkaLimit.singleRecord.perSecond
          : undefined,
      };
    });
    if (api) {
      rows.push(['API create', `${CONCURRENCY} connections`, `${fixed(api.requestsPerSecond)} req/s`]);
      rows.push([
        'API create',
        'latency p50 / p95 / p99',
        `${ms(api.p50Ms)} / ${ms(api.p95Ms)} / ${ms(api.p99Ms)}`,
      ]);
      rows.push(['API create', 'CPU of the API process per request', `${fixed(api.cpuMsPerRequest, 1)} ms`]);
      rows.push(['API create', 'non-202 answers, errors', `${api.requests - api.accepted}, ${api.errors}`]);
      rows.push([
        'API create',
        'ratio to PostgreSQL / DynamoDB / Kafka limits',
        `${fixed(api.ratioToPostgres, 3)} / ${fixed(api.ratioToDynamodb, 3)} / ${fixed(api.ratioToKafka, 3)}`,
      ]);
    }

    const cost = await section('perPayment', () =>
      perPaymentCost(endpoints, pool, kafka, {
        payments: settings.costPayments,
        rate: 10,
        runId,
        idleSeconds: settings.quick ? 3 : 10,
      }),
    );
    if (cost) {
      rows.push([
        'per payment',
        `PostgreSQL transactions (commits) over ${cost.payments} payments`,
        `${fixed(cost.transactions, 1)} (${fixed(cost.commits, 1)})`,
      ]);
      rows.push([
        'per payment',
        'idle stack transactions, subtracted',
        `${fixed(cost.idleTransactionsPerSecond, 1)} /s`,
      ]);
      if (cost.roundTrips && cost.statements) {
        rows.push([
          'per payment',
          'PostgreSQL round trips (statements), all roles',
          `${fixed(cost.roundTrips.total, 1)} (${fixed(cost.statements.total, 1)})`,
        ]);
        for (const [role, trips] of Object.entries(cost.roundTrips))
          if (role !== 'total') rows.push(['per payment', `  round trips of ${role}`, fixed(trips, 1)]);
      } else
        rows.push([
          'per payment',
          'PostgreSQL round trips',
          'not counted: restart the stack (its RDS Proxy counts them)',
        ]);
      rows.push([
        'per payment',
        'PostgreSQL transactions that wrote, WAL bytes',
        `${fixed(cost.writingTransactions, 1)}, ${fixed(cost.walBytes)} B`,
      ]);
      rows.push(['per payment', 'Kafka records', fixed(cost.kafkaRecords, 1)]);
      if (cost.runnerInvocations)
        rows.push([
          'per payment',
          "the runner's Lambda invocations (batches, schedules)",
          `${fixed(cost.runnerInvocations.total, 2)}: ${Object.entries(cost.runnerInvocations)
            .filter(([fn]) => fn !== 'total')
            .map(([fn, count]) => `${fn} ${fixed(count, 2)}`)
            .join(', ')}`,
        ]);
      rows.push(['per payment', 'DynamoDB items written', fixed(cost.dynamodbItems, 1)]);
    }

    const steps: StepResult[] = [];
    await section('pipeline', async () => {
      // A warm-up step, not counted: the first load after a start pays for the JVMs' and Node's warm-up
      // (DynamoDB Local alone took 10 ms per payment instead of 4.5 the first time).
      const warmUp = await pipelineStep(
        endpoints,
        pool,
        settings.steps[0] ?? 25,
        Math.min(10, settings.stepSeconds),
        `${runId}-warm`,
        clockTicksPerSecond(),
      );
      rows.push([
        'pipeline',
        `warm-up, not counted: ${warmUp.offeredPerSecond}/s for ${warmUp.durationSeconds} s`,
        `CPU ${fixed(warmUp.cpuMsPerPayment.total, 1)} ms per payment`,
      ]);
      for (const rate of settings.steps) {
        const step = await pipelineStep(
          endpoints,
          pool,
          rate,
          settings.stepSeconds,
          runId,
          clockTicksPerSecond(),
        );
        steps.push(step);
        rows.push([
          'pipeline',
          `offered ${rate}/s for ${settings.stepSeconds} s`,
          `completes ${fixed(step.completedPerSecond)}/s, p50 ${ms(step.p50Ms)}, p99 ${ms(step.p99Ms)}` +
            (step.completed < step.accepted ? `, ${step.accepted - step.completed} unfinished` : '') +
            (step.refused ? `, ${step.refused} refused` : ''),
        ]);
        const cpu = step.cpuMsPerPayment;
        rows.push([
          'pipeline',
          `  CPU per payment at ${rate}/s: ASPay / Kafka / emulation (bench's own queries apart)`,
          `${fixed(cpu.total, 1)} ms: ${fixed(cpu.kinds.aspay, 1)} / ${fixed(cpu.kinds.engine, 1)} / ${fixed(cpu.kinds.emulation, 1)} (${fixed(cpu.kinds.measurement, 1)})`,
        ]);
        rows.push([
          'pipeline',
          '    by part (ms)',
          (Object.entries(cpu.parts) as [string, number][])
            .filter(([, used]) => used >= 0.05)
            .sort(([, a], [, b]) => b - a)
            .map(([part, used]) => `${part} ${fixed(used, 1)}`)
            .join(', '),
        ]);
        // Past saturation the backlog only grows: further steps would measure the queue, not the pipeline.
        if (step.completed < step.accepted) break;
      }
      const sustained = highestSustainedRate(steps);
      rows.push(['pipeline', 'highest offered rate with p99 < 1 s', sustained ? `${sustained}/s` : 'none']);
      return { steps, highestRateWithP99Under1s: sustained };
    });

    await section('awsCost', async () => {
      // The step at 100/s (or the fastest one below it that finished) gives the CPU; perPayment the counts.
      const step = [...steps].reverse().find((candidate) => candidate.offeredPerSecond <= 100) ?? steps[0];
      const roundTrips = cost?.roundTrips?.total;
      if (!step || !cost || roundTrips === undefined)
        throw new Error(
          'the cost model needs the perPayment and pipeline sections (with round trips counted)',
        );
      const work: PaymentWork = {
        postgresCpuMs: step.cpuMsPerPayment.parts.postgres,
        handlerCpuMs: step.cpuMsPerPayment.parts.api + step.cpuMsPerPayment.parts.runner,
        databaseRoundTrips: roundTrips,
        databaseWritingTransactions: cost.writingTransactions,
        dynamodbWrites: DYNAMODB_CALLS_FROM_CODE.writes,
        dynamodbReads: DYNAMODB_CALLS_FROM_CODE.reads,
        // The runner's count when it has one; else a bound: every record an invocation in every group.
        lambdaInvocations:
          1 + (cost.runnerInvocations?.total ?? cost.kafkaRecords * Object.keys(CONSUMERS).length),
        lambdaInvocationsBasis: cost.runnerInvocations
          ? "the create, and the runner's consumer batches and schedules as counted"
          : 'at most: the create, and each record in each consumer group',
        apiRequests: 1,
        logBytes: step.functionLogBytesPerPayment,
      };
      const rates = [100, 1_000];
      const models = rates.map((rate) => ({ rate, ...costPerMillionPayments(work, rate) }));
      for (const model of models) {
        rows.push([
          'AWS cost',
          `USD per million payments at ${model.rate}/s (prod shape, ${PRICES.region} list prices ${PRICES.asOf})`,
          fixed(model.totalUsd, 2),
        ]);
        for (const line of model.lines.filter((candidate) => candidate.usdPerMillion >= 0.005))
          rows.push([
            'AWS cost',
            `  ${line.item}${line.fixed ? ' (hourly, spread)' : ''}`,
            `${fixed(line.usdPerMillion, 2)}: ${line.basis}`,
          ]);
      }
      return {
        fromStepAt: step.offeredPerSecond,
        work,
        shape: PROD_SHAPE,
        assumptions: DEFAULT_ASSUMPTIONS,
        prices: PRICES,
        models,
      };
    });

    await scratchPool.query('DELETE FROM outbox');
    const relay = await section('relayAlone', async () => {
      await prefillInitiatedPayments(scratchPool, settings.relayEvents, endpoints.merchants[0]?.id ?? '');
      return relayAlone(scratch, kafka, settings.relayEvents);
    });
    if (relay)
      rows.push([
        'relay alone',
        `${relay.operations} pre-filled events`,
        `${fixed(relay.perSecond)} events/s`,
      ]);

    const consumers = await section('consumersAlone', () =>
      consumersAlone(endpoints, scratch, scratchPool, settings.consumerRecords),
    );
    if (consumers) {
      for (const [name, value] of Object.entries(consumers))
        rows.push([
          'consumer alone',
          `${name} (${value.operations} records)`,
          `${fixed(value.perSecond)} records/s`,
        ]);
    }

    const cold = await section('coldStart', () => coldStarts(endpoints, settings.imports));
    for (const fn of cold ?? [])
      rows.push([
        'cold start',
        fn.fn,
        `${(fn.bundleBytes / 1024).toFixed(0)} KiB, import ${ms(fn.importMs)}`,
      ]);

    results.loadAverageAtEnd = loadavg().map((load) => Number(load.toFixed(2)));
    mkdirSync(settings.out, { recursive: true });
    // A partial run never overwrites the day's full results.
    const day = new Date().toISOString().slice(0, 10) + (settings.only ? `-${settings.only.join('-')}` : '');
    const jsonFile = join(settings.out, `${day}.json`);
    const svgFile = join(settings.out, `${day}.svg`);
    writeFileSync(jsonFile, `${JSON.stringify({ ...results, failures }, null, 2)}\n`);
    writeFileSync(
      svgFile,
      latencyChartSvg(steps, `ASPay pipeline, ${cpus().length} cores, ${day}: POST→SUCCESS latency`),
    );
    printTable(rows);
    console.log(`\nwritten: ${jsonFile}, ${svgFile}`);
  } finally {
    await scratchPool.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await scratch.drop().catch(() => undefined);
    await stack.stop();
  }
  if (failures.length) {
    console.error(`bench: ${failures.length} section(s) failed: ${failures.join('; ')}`);
    return 1;
  }
  return 0;
}

function printTable(rows: readonly [string, string, string][]): void {
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(['section', 'measure', 'result']));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
