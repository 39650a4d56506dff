import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { localSqsClient } from '../../localstack/src/engines/elasticmq';
import { localEndpoints } from './local-stack';

/** A dead-letter queue of the test's own on the local SQS, so its letters are the test's alone. */
export async function testDeadLetterQueue() {
  const sqs = localSqsClient(localEndpoints().sqsEndpoint);
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `aspay-tests-dlq-${randomUUID().slice(0, 8)}` }),
  );
  if (!QueueUrl) throw new Error('the local SQS created no queue');
  return {
    url: QueueUrl,
    /** The letters in the queue, left visible for the next read. */
    async letters(): Promise<{ id: string; body: Record<string, unknown> }[]> {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
        }),
      );
      return Messages.map((message) => ({
        id: message.MessageId ?? '',
        body: JSON.parse(message.Body ?? '{}'),
      }));
    },
  };
}
