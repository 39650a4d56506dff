/**
 * The local event-source runner: what AWS does around the functions that no HTTP request triggers.
 * MSK event source mappings for the consumer functions, and the schedules (outbox relay, pending payments).
 */
import { createKafka } from '../../../lambdas/core/adapters/kafka/client';
import { ENV } from '../../../lambdas/core/config/environment';
import { CONSUMERS, SCHEDULED_FUNCTIONS } from '../../../lambdas/core/config/messaging';
import { localSqsClient } from '../engines/elasticmq';
import { loadHandler } from '../lambda-runtime';
import {
  eventSourceMappingConfig,
  sqsOnFailureDestination,
  startEventSourceMapping,
} from './event-source-mapping';
import { log } from './log';
import { scheduleIntervalMs, startSchedule } from './schedule';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

const brokers = required(ENV.kafkaBrokers);
const queueUrl = required(ENV.deadLetterQueueUrl);
const onFailure = sqsOnFailureDestination(localSqsClient(required(ENV.sqsEndpoint)), queueUrl);

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

const stop = async () => {
  for (const schedule of schedules) schedule.stop();
  await Promise.all(consumers.map((consumer) => consumer.disconnect()));
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
