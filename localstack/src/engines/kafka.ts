import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { createKafka } from '../../../lambdas/core/adapters/kafka/client';
import { ensureTopics } from '../../../lambdas/core/adapters/kafka/topics';
import { PAYMENT_EVENTS_TOPIC } from '../../../lambdas/core/config/messaging';
import { DATA_DIR, HOST, LOCAL_STACK_ENV, type LocalPorts } from '../settings';
import { StackError } from '../support/stack-error';
import { type Engine, launchServer } from './engine';
import { engineJars, javaCommand, requireJava } from './java';

/**
 * A new KRaft cluster id for a data directory being formatted: 16 random bytes in URL-safe base64, as Kafka's
 * own `kafka-storage random-uuid` makes them (never starting with '-', which would read as an option). A
 * restarted broker keeps the id of its directory; another checkout's broker, or a fresh one, has another,
 * which is how a runner tells them apart (runner/stack-identity.ts).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * How much a local topic keeps: a day, and at most 64 MB per partition, where Kafka's default keeps a week
 * with no size limit, and a stack left running would fill the disk. Retention deletes whole segments, hence
 * segments of 16 MB rather than the default 1 GB, which no local partition would ever fill.
 */
export const LOCAL_TOPIC_RETENTION = {
  hours: 24,
  bytesPerPartition: 64 * 1024 * 1024,
  segmentBytes: 16 * 1024 * 1024,
} as const;

export function serverProperties(ports: LocalPorts, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${ports.kafkaController}`,
    `listeners=PLAINTEXT://${HOST}:${ports.kafka},CONTROLLER://${HOST}:${ports.kafkaController}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${ports.kafka}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    `num.partitions=${PAYMENT_EVENTS_TOPIC.partitions}`,
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    // Consumers join at once instead of waiting 3 s for more members: faster tests and demos.
    'group.initial.rebalance.delay.ms=0',
    // The local runner's short group session (runner/event-source-mapping.ts GROUP_MEMBERSHIP) is below the
    // default minimum of 6 s.
    'group.min.session.timeout.ms=1000',
    // Topics are created explicitly at start-up, as in MSK, so a typo never invents a topic.
    'auto.create.topics.enable=false',
    `log.retention.hours=${LOCAL_TOPIC_RETENTION.hours}`,
    `log.retention.bytes=${LOCAL_TOPIC_RETENTION.bytesPerPartition}`,
    `log.segment.bytes=${LOCAL_TOPIC_RETENTION.segmentBytes}`,
    '',
  ].join('\n');
}

export function kafkaEngine(ports: LocalPorts, { fresh = false } = {}): Engine {
  const brokers = [`${HOST}:${ports.kafka}`];
  const kafka = createKafka({
    clientId: 'aspay-localstack',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });

  async function isHealthy(): Promise<boolean> {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0;
    } finally {
      await admin.disconnect();
    }
  }

  return {
    name: 'kafka',
    endpoint: brokers.join(','),
    isHealthy,
    async start() {
      if (await isHealthy().catch(() => false)) return undefined;
      requireJava();
      const libDir = engineJars('kafka');
      const dataDir = join(DATA_DIR, 'kafka');
      const logDir = join(dataDir, 'log');
      const configFile = join(dataDir, 'server.properties');
      if (fresh) rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(configFile, serverProperties(ports, logDir));
      const classpath = join(libDir, '*');
      if (!existsSync(join(logDir, 'meta.properties'))) {
        const format = spawnSync(
          javaCommand(),
          ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', configFile],
          { encoding: 'utf8', timeout: 60_000 },
        );
        if (format.status !== 0) {
          throw new StackError(
            `could not format the Kafka data directory: ${(format.stderr || format.stdout).trim()}`,
          );
        }
      }
      return launchServer({
        name: 'kafka',
        port: ports.kafka,
        portEnv: LOCAL_STACK_ENV.ports.kafka,
        command: javaCommand(),
        args: ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-cp', classpath, 'kafka.Kafka', configFile],
        isHealthy,
      });
    },
    async bootstrap() {
      await ensureTopics(kafka);
    },
  };
}
