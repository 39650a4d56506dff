/**
 * The local stack's commands (see the README): `start` (foreground, Ctrl-C stops it), `up` (background),
 * `down` (stops everything the stack started). Failures are one line on stderr and a non-zero exit.
 */
import { bringDown, bringUp, type LocalEndpoints, stopProcesses } from './stack';
import { StackError } from './support/stack-error';

function describe(endpoints: LocalEndpoints): string {
  return [
    `ASPay local stack is up`,
    `  API              ${endpoints.apiUrl}  (health: ${endpoints.apiUrl}/health, spec: ${endpoints.apiUrl}/openapi.json)`,
    `  PostgreSQL       ${endpoints.databaseUrl}`,
    `  Kafka            ${endpoints.kafkaBrokers}`,
    `  DynamoDB Local   ${endpoints.dynamodbEndpoint}  (table ${endpoints.idempotencyTable})`,
    `  ElasticMQ (SQS)  ${endpoints.sqsEndpoint}  (DLQ ${endpoints.deadLetterQueueUrl})`,
    `  Webhook sink     ${endpoints.webhookSinkUrl}/deliveries`,
    `  Bank simulator   ${endpoints.bankUrl}  (latency ASPAY_BANK_LATENCY_MS=${process.env.ASPAY_BANK_LATENCY_MS ?? '5000-10000'})`,
    '  Demo merchants:',
    ...endpoints.merchants.map(
      (merchant) => `    ${merchant.id.padEnd(18)} Authorization: Bearer ${merchant.apiKey}`,
    ),
    '  Endpoints are also in .aspay/local.json',
  ].join('\n');
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up': {
      const { endpoints } = await bringUp();
      console.log(describe(endpoints));
      return;
    }
    case 'start': {
      const { endpoints, started } = await bringUp();
      console.log(`${describe(endpoints)}\nPress Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      console.log('\nStopping what this command started…');
      await stopProcesses(started.map((process) => process.name));
      return;
    }
    case 'down': {
      const stopped = await bringDown();
      console.log(
        stopped.length ? `Stopped: ${stopped.join(', ')}` : 'Nothing of the local stack was running.',
      );
      return;
    }
    default:
      throw new StackError(`unknown command "${command ?? ''}": use start, up or down`);
  }
}

main(process.argv[2]).then(
  () => process.exit(0),
  (error: unknown) => {
    const message =
      error instanceof StackError ? error.message : `unexpected failure: ${(error as Error).message}`;
    console.error(`aspay local: ${message}`);
    process.exit(1);
  },
);
