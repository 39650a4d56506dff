/**
 * The local event-source runner: what AWS does around the functions that no HTTP request triggers.
 * MSK event source mappings for the consumer functions, and the schedules (outbox relay, pending payments).
 */
import { createKafka } from '../../../lambdas/core/adapters/kafka/client';
import { CONSUMERS, SCHEDULED_FUNCTIONS } from '../../../lambdas/core/config/messaging';
import { startEventSourceMapping, startSchedule } from './event-source-mapping';

const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  console.error('KAFKA_BROKERS is not set');
  process.exit(2);
}

const kafka = createKafka({ clientId: 'aspay-local-runner', brokers: brokers.split(',') });
const consumers = await Promise.all(
  Object.values(CONSUMERS).map((settings) => startEventSourceMapping(kafka, settings, brokers)),
);
const schedules = SCHEDULED_FUNCTIONS.map(({ handler, timeoutSeconds }) =>
  startSchedule(handler, timeoutSeconds, 1_000),
);
console.log(
  JSON.stringify({
    level: 'INFO',
    message: 'runner started',
    consumers: consumers.length,
    schedules: schedules.length,
  }),
);

const stop = async () => {
  await Promise.all(consumers.map((consumer) => consumer.disconnect()));
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
