/**
 * One local event source mapping in a process of its own, as the runner starts it: the topic and group come
 * from the environment, and the function prints every record it is invoked with. Tests kill and restart it.
 */
import type { MSKEvent } from 'aws-lambda';
import { createKafka } from '../../lambdas/core/adapters/kafka/client';
import { consumedRecords } from '../../lambdas/core/adapters/kafka/msk-event';
import { ENV } from '../../lambdas/core/config/environment';
import { CONSUMERS } from '../../lambdas/core/config/messaging';
import { startEventSourceMapping } from '../../localstack/src/runner/event-source-mapping';

const { MAPPING_TOPIC = '', MAPPING_GROUP = '' } = process.env;
const brokers = process.env[ENV.kafkaBrokers] ?? '';
const kafka = createKafka({ clientId: 'aspay-tests-mapping-process', brokers: brokers.split(',') });
const mapping = await startEventSourceMapping(
  kafka,
  { ...CONSUMERS.notifier, handler: 'mapping-process', groupId: MAPPING_GROUP, topic: MAPPING_TOPIC },
  {
    handler: async (event: MSKEvent) => {
      for (const record of consumedRecords(event))
        console.log(JSON.stringify({ processed: record.key?.toString(), offset: record.offset }));
    },
    bootstrapServers: brokers,
    onFailure: {
      send: async (record) => {
        throw new Error(`a printing function never fails: ${JSON.stringify(record)}`);
      },
    },
  },
);
console.log(JSON.stringify({ ready: true }));
process.once('SIGTERM', async () => {
  await mapping.stop();
  process.exit(0);
});
