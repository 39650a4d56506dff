import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '../../config/environment';
import type { DeadLetterQueue } from '../../use-cases/ports';

/** The SQS dead-letter queue (ElasticMQ locally, when SQS_ENDPOINT is set). */
export function sqsDeadLetterQueue(): DeadLetterQueue {
  const queueUrl = process.env[ENV.deadLetterQueueUrl];
  if (!queueUrl) throw new Error(`${ENV.deadLetterQueueUrl} is not set`);
  const endpoint = process.env[ENV.sqsEndpoint];
  const client = new SQSClient(endpoint ? { endpoint } : {});
  return {
    async send(letter) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(letter),
          MessageAttributes: {
            consumer: { DataType: 'String', StringValue: letter.consumer },
            topic: { DataType: 'String', StringValue: letter.topic },
          },
        }),
      );
    },
  };
}
