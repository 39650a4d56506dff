import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/core/config/environment';
import { createEvent } from '../../../lambdas/core/domain/events';
import { ROOT } from '../../../localstack/src/settings';
import { eventually } from '../../support/eventually';
import { testKafka } from '../../support/kafka';
import { localEndpoints } from '../../support/local-stack';

const kafka = testKafka();
const endpoints = localEndpoints();
const started: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface MappingProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly processed: Set<string>;
  ready: boolean;
}

/** Starts the mapping in its own process, as the runner does (node --import tsx, one process to kill). */
function startMappingProcess(topic: string, group: string): MappingProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test', 'support', 'mapping-process.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        [ENV.kafkaBrokers]: endpoints.kafkaBrokers,
        MAPPING_TOPIC: topic,
        MAPPING_GROUP: group,
      },
    },
  );
  started.push(child);
  const mapping: MappingProcess = { child, processed: new Set(), ready: false };
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as { ready?: boolean; processed?: string };
      if (parsed.ready) mapping.ready = true;
      if (parsed.processed) mapping.processed.add(parsed.processed);
    }
  });
  return mapping;
}

async function isolatedTopic(): Promise<{ topic: string; group: string }> {
  const id = randomUUID().slice(0, 8);
  const topic = `aspay-tests-recovery-${id}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  return { topic, group: `aspay-tests-recovery-${id}` };
}

/** Produces a payment.initiated event keyed by a new payment id; returns that id. */
async function producePaymentEvent(topic: string): Promise<string> {
  const paymentId = randomUUID();
  const event = createEvent(
    'payment.initiated',
    { paymentId, merchantId: 'mer_demo_acme', mode: 'test' },
    { amount: '10.00', currency: 'USD', status: 'INITIATED', source: 'tok_success' },
    new Date(),
  );
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key: paymentId, value: JSON.stringify(event) }] });
  await producer.disconnect();
  return paymentId;
}

/** A first mapping that owns the partition and has processed an event. */
async function runningMapping() {
  const { topic, group } = await isolatedTopic();
  const first = startMappingProcess(topic, group);
  const warmUp = await producePaymentEvent(topic);
  await eventually(
    async () => first.processed.has(warmUp),
    (done) => done,
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return { topic, group, first };
}

/** Starts a second mapping and measures the time until it processed a new event. */
async function secondsUntilARestartedMappingProcesses(topic: string, group: string): Promise<number> {
  const startedAt = Date.now();
  const second = startMappingProcess(topic, group);
  const paymentId = await producePaymentEvent(topic);
  await eventually(
    async () => second.processed.has(paymentId),
    (done) => done,
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return (Date.now() - startedAt) / 1_000;
}

describe('the local event source mapping after its process dies', () => {
  it('processes a new payment event within 10 s of a restart after kill -9', async () => {
    const { topic, group, first } = await runningMapping();
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    expect(await secondsUntilARestartedMappingProcesses(topic, group)).toBeLessThan(10);
  }, 120_000);

  it('hands its partitions over at once when it is stopped with SIGTERM', async () => {
    const { topic, group, first } = await runningMapping();
    first.child.kill('SIGTERM');
    await new Promise((resolve) => first.child.once('exit', resolve));

    expect(await secondsUntilARestartedMappingProcesses(topic, group)).toBeLessThan(5);
  }, 120_000);
});
