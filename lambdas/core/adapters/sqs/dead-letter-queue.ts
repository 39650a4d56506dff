import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '../../config/environment';
import { ConfigurationError } from '../../config/errors';
import { setting } from '../../config/settings';
import type { DeadLetterQueue } from '../../use-cases/ports/consumers';
import { DeadLetterNotStoredError } from '../errors';

/** The SQS dead-letter queue (ElasticMQ locally, when `ENV.sqsEndpoint` is set). */
export function sqsDeadLetterQueue(
  queueUrl = setting(ENV.deadLetterQueueUrl),
  endpoint = setting(ENV.sqsEndpoint),
): DeadLetterQueue {
  if (!queueUrl) throw new ConfigurationError(`${ENV.deadLetterQueueUrl} is not set`);
  const client = new SQSClient(endpoint ? { endpoint } : {});
  return {
    async send(letter) {
      const { MessageId } = await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(letter),
          MessageAttributes: {
            consumer: { DataType: 'String', StringValue: letter.consumer },
            topic: { DataType: 'String', StringValue: letter.topic },
          },
        }),
      );
      if (!MessageId)
        throw new DeadLetterNotStoredError('SQS answered without the message id of the dead letter');
      return MessageId;
    },
  };
}
