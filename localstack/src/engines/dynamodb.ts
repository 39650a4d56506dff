import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { COORDINATION_TABLE } from '../../../lambdas/core/config/coordination-table';
import { DATA_DIR, HOST, LOCAL_STACK_ENV, type LocalPorts, localAwsClientConfig } from '../settings';
import { type Engine, launchServer } from './engine';
import { engineJars, javaCommand, requireJava } from './java';

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient(localAwsClientConfig(endpoint));
}

/** Creates an on-demand table keyed by one string attribute, its items expiring on `ttlAttribute`, as in AWS. */
export async function createExpiringTable(
  client: DynamoDBClient,
  tableName: string,
  schema: { partitionKey: string; ttlAttribute: string },
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: schema.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: schema.partitionKey, KeyType: 'HASH' }],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: schema.ttlAttribute, Enabled: true },
    }),
  );
}

/** DynamoDB Local (in memory) holding the coordination table with the same key schema and TTL as in AWS. */
export function dynamodbEngine(ports: LocalPorts): Engine {
  const endpoint = `http://${HOST}:${ports.dynamodb}`;
  const client = localDynamoClient(endpoint);
  const isHealthy = async () => {
    await client.send(new ListTablesCommand({}));
    return true;
  };

  return {
    name: 'dynamodb',
    endpoint,
    isHealthy,
    async start() {
      if (await isHealthy().catch(() => false)) return undefined;
      requireJava();
      const libDir = engineJars('dynamodb');
      // DynamoDB Local writes a metadata file into its working directory: keep it out of the repository.
      const workDir = join(DATA_DIR, 'dynamodb');
      mkdirSync(workDir, { recursive: true });
      return launchServer({
        name: 'dynamodb',
        port: ports.dynamodb,
        portEnv: LOCAL_STACK_ENV.ports.dynamodb,
        command: javaCommand(),
        args: [
          '-Xmx256m',
          // The SQLite native library ships as a Maven artifact in the same folder.
          `-Djava.library.path=${libDir}`,
          '-cp',
          join(libDir, '*'),
          'software.amazon.dynamodb.services.local.main.ServerRunner',
          '-inMemory',
          '-port',
          String(ports.dynamodb),
        ],
        isHealthy,
        cwd: workDir,
      });
    },
    async bootstrap() {
      try {
        await createExpiringTable(client, COORDINATION_TABLE.defaultName, COORDINATION_TABLE);
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    },
  };
}
