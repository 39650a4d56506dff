import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { Kafka } from 'kafkajs';
import { ENV } from '../../config/environment';
import { ConfigurationError } from '../../config/errors';
import { setting } from '../../config/settings';
import { createKafka } from './client';

let kafka: Promise<Kafka> | undefined;

/**
 * The function's Kafka client: plain brokers from `ENV.kafkaBrokers` locally; in AWS the MSK cluster's IAM
 * bootstrap brokers (looked up once per instance) with TLS and SASL/OAUTHBEARER signed by the function's role.
 */
export function kafkaConnection(clientId: string): Promise<Kafka> {
  kafka ??= (async () => {
    const brokers = setting(ENV.kafkaBrokers);
    if (brokers) return createKafka({ clientId, brokers: brokers.split(',') });
    const clusterArn = setting(ENV.mskClusterArn);
    if (!clusterArn) throw new ConfigurationError(`set ${ENV.kafkaBrokers} or ${ENV.mskClusterArn}`);
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const { BootstrapBrokerStringSaslIam } = await new KafkaClient({ region }).send(
      new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }),
    );
    if (!BootstrapBrokerStringSaslIam)
      throw new ConfigurationError(`MSK cluster ${clusterArn} has no IAM bootstrap brokers`);
    return createKafka({
      clientId,
      brokers: BootstrapBrokerStringSaslIam.split(','),
      ssl: true,
      sasl: {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
      },
    });
  })();
  return kafka;
}
