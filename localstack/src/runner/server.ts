/**
 * The local event-source runner: what AWS does around the functions that no HTTP request triggers.
 * MSK event source mappings for the consumer functions, and the schedules (outbox relay, pending payments).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '../../../lambdas/core/adapters/kafka/client';
import { DATABASE_ROLES } from '../../../lambdas/core/config/database-roles';
import { ENV } from '../../../lambdas/core/config/environment';
import { CONSUMERS, SCHEDULED_FUNCTIONS } from '../../../lambdas/core/config/messaging';
import { setting } from '../../../lambdas/core/config/settings';
import { localSqsClient } from '../engines/elasticmq';
import { loadHandler } from '../lambda-runtime';
import { LOCAL_STACK_ENV } from '../settings';
import { REFUSED_TO_RUN_EXIT_CODE } from '../support/processes';
import {
  eventSourceMappingConfig,
  sqsOnFailureDestination,
  startEventSourceMapping,
} from './event-source-mapping';
import { writeInvocationCountsEverySecond } from './invocation-counts';
import { log } from './log';
import { scheduleIntervalMs, startSchedule } from './schedule';
import { checkIdentity, identityKafka, type StackIdentity } from './stack-identity';

/** How often the runner makes sure it still reaches its own stack's broker and database. */
const IDENTITY_CHECK_EVERY_MS = 5_000;

function required(name: string): string {
  const value = setting(name);
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

const brokers = required(ENV.kafkaBrokers);
const queueUrl = required(ENV.deadLetterQueueUrl);
const onFailure = sqsOnFailureDestination(localSqsClient(required(ENV.sqsEndpoint)), queueUrl);
const expected: StackIdentity = {
  kafkaClusterId: required(LOCAL_STACK_ENV.stackKafkaClusterId),
  database: required(LOCAL_STACK_ENV.stackDatabaseIdentity),
};
/** The relay's URL (a function the runner runs anyway): every role reaches the same database, through the proxy. */
function relayDatabaseUrl(): string {
  const urls = JSON.parse(required(LOCAL_STACK_ENV.functionDatabaseUrls)) as Record<
    string,
    string | undefined
  >;
  const url = urls[DATABASE_ROLES.relay.name];
  if (!url) {
    console.error(`${LOCAL_STACK_ENV.functionDatabaseUrls} has no URL for ${DATABASE_ROLES.relay.name}`);
    process.exit(2);
  }
  return url;
}
const databaseUrl = relayDatabaseUrl();
const identityClient = identityKafka(brokers.split(','));

/**
 * Exits, for good, when the broker or the database is not the one the stack started the runner with (see
 * stack-identity.ts): the supervisor does not restart a runner that refuses. Returns the check's outcome.
 */
async function refuseForeignEngines(): Promise<'same' | 'unknown'> {
  const check = await checkIdentity(expected, identityClient, databaseUrl);
  if (check.outcome === 'foreign') {
    log('ERROR', `runner refuses to consume: ${check.reason}`);
    process.exit(REFUSED_TO_RUN_EXIT_CODE);
  }
  return check.outcome;
}

// Nothing is consumed before the engines are known to be the stack's own.
if ((await refuseForeignEngines()) === 'unknown') {
  log('WARN', 'runner waits for its broker and database to answer before consuming');
  while ((await refuseForeignEngines()) === 'unknown') await sleep(1_000);
}

const kafka = createKafka({ clientId: 'aspay-local-runner', brokers: brokers.split(',') });
const consumers = await Promise.all(
  Object.values(CONSUMERS).map(async (settings) => {
    const { onFailureQueueName } = eventSourceMappingConfig(settings);
    if (!queueUrl.endsWith(`/${onFailureQueueName}`)) {
      console.error(`${ENV.deadLetterQueueUrl} (${queueUrl}) is not the ${onFailureQueueName} queue`);
      process.exit(2);
    }
    const handler = await loadHandler(settings.handler);
    return startEventSourceMapping(kafka, settings, { handler, bootstrapServers: brokers, onFailure });
  }),
);
const schedules = await Promise.all(
  SCHEDULED_FUNCTIONS.map(async (scheduled) =>
    startSchedule(
      scheduled,
      await loadHandler(scheduled.handler),
      scheduleIntervalMs(scheduled.everyMinutes),
    ),
  ),
);
log('INFO', 'runner started', { consumers: consumers.length, schedules: schedules.length });

// Checked again from time to time and whenever a consumer (re)joins its group, as after a reconnection to
// a broker that came back on the same port, possibly another one.
let checking = false;
const checkAgain = () => {
  if (checking) return;
  checking = true;
  void refuseForeignEngines().finally(() => {
    checking = false;
  });
};
setInterval(checkAgain, IDENTITY_CHECK_EVERY_MS);
writeInvocationCountsEverySecond();
for (const { consumer } of consumers) consumer.on(consumer.events.GROUP_JOIN, checkAgain);

/**
 * Leaving the groups hands the partitions to a restarted runner at once instead of after the session
 * timeout. A mapping leaves only once its batches in flight are settled, and an invocation may run for minutes:
 * past the grace period the runner exits anyway, and that uncommitted batch is delivered again.
 */
const SHUTDOWN_GRACE_MS = 5_000;

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log('INFO', 'runner stopping', { signal });
  for (const schedule of schedules) schedule.stop();
  const left = await Promise.race([
    Promise.allSettled(consumers.map((mapping) => mapping.stop())).then(() => true),
    sleep(SHUTDOWN_GRACE_MS).then(() => false),
  ]);
  log(
    'INFO',
    left ? 'runner stopped: left its consumer groups' : 'runner stopped with invocations in flight',
  );
  process.exit(0);
};
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
