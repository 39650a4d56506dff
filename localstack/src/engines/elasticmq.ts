import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_QUEUE } from '../../../lambdas/core/config/messaging';
import { DATA_DIR, HOST, LOCAL_STACK_ENV, type LocalPorts, localAwsClientConfig } from '../settings';
import { type Engine, launchServer } from './engine';
import { engineJars, javaCommand, requireJava } from './java';

export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient(localAwsClientConfig(endpoint));
}

function elasticmqConfig(ports: LocalPorts): string {
  return `include classpath("application.conf")
node-address { protocol = http, host = "${HOST}", port = ${ports.sqs}, context-path = "" }
rest-sqs { enabled = true, bind-port = ${ports.sqs}, bind-hostname = "${HOST}", sqs-limits = strict }
rest-stats { enabled = false }
`;
}

/** ElasticMQ: an SQS-compatible server holding the dead-letter queue. */
export function elasticmqEngine(ports: LocalPorts): Engine {
  const endpoint = `http://${HOST}:${ports.sqs}`;
  const client = localSqsClient(endpoint);
  const isHealthy = async () => {
    await client.send(new ListQueuesCommand({}));
    return true;
  };

  return {
    name: 'sqs',
    endpoint,
    isHealthy,
    async start() {
      if (await isHealthy().catch(() => false)) return undefined;
      requireJava();
      const libDir = engineJars('elasticmq');
      const dataDir = join(DATA_DIR, 'elasticmq');
      mkdirSync(dataDir, { recursive: true });
      const configFile = join(dataDir, 'elasticmq.conf');
      writeFileSync(configFile, elasticmqConfig(ports));
      return launchServer({
        name: 'sqs',
        port: ports.sqs,
        portEnv: LOCAL_STACK_ENV.ports.sqs,
        command: javaCommand(),
        args: [
          '-Xmx256m',
          `-Dconfig.file=${configFile}`,
          '-cp',
          join(libDir, '*'),
          'org.elasticmq.server.Main',
        ],
        isHealthy,
      });
    },
    async bootstrap() {
      await client.send(
        new CreateQueueCommand({
          QueueName: DEAD_LETTER_QUEUE.name,
          Attributes: { MessageRetentionPeriod: String(DEAD_LETTER_QUEUE.retentionDays * 24 * 60 * 60) },
        }),
      );
    },
  };
}
