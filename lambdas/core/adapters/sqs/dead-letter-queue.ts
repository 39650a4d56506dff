import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '../../config/environment';
import { ConfigurationError } from '../../config/errors';
import { AspayError } from '../../domain/errors';
import type { DeadLetterQueue } from '../../use-cases/ports/consumers';

/** SQS answered a send without the message id: the letter cannot be named for its redrive. */
export class DeadLetterNotStoredError extends AspayError {
  override readonly name = 'DeadLetterNotStoredError';
  readonly type = 'dead_letter_not_stored';
}

/** The SQS dead-letter queue (ElasticMQ locally, when SQS_ENDPOINT is set). */
export function sqsDeadLetterQueue(
  queueUrl = process.env[ENV.deadLetterQueueUrl],
  endpoint = process.env[ENV.sqsEndpoint],
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
