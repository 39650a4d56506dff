/**
 * The local stack's commands (see docs/commands.md): `start` (foreground, Ctrl-C stops it), `up` (background),
 * `down` (stops everything the stack started). `start` and `up` take `--test-timings`: `npm test`'s short
 * timings, where the environment does not set them. Failures are one line on stderr and a non-zero exit.
 */

import { ENV } from '../../lambdas/core/config/environment';
import { redactSecrets } from '../../lambdas/core/redaction';
import { LOCAL_STACK_ENV } from './settings';
import { bringDown, bringUp, type LocalEndpoints, stopProcesses } from './stack';
import type { StrayProcess } from './support/processes';
import { StackError } from './support/stack-error';
import { adoptTestTimings } from './test-timings';

function describe(endpoints: LocalEndpoints): string {
  return [
    `ASPay local stack is up`,
    `  API              ${endpoints.apiUrl}  (health: ${endpoints.apiUrl}/health, spec: ${endpoints.apiUrl}/openapi.json)`,
    `  PostgreSQL       ${redactSecrets(endpoints.databaseUrl)}`,
    `  Kafka            ${endpoints.kafkaBrokers}`,
    `  DynamoDB Local   ${endpoints.dynamodbEndpoint}  (table ${endpoints.coordinationTable})`,
    `  ElasticMQ (SQS)  ${endpoints.sqsEndpoint}  (DLQ ${endpoints.deadLetterQueueUrl})`,
    `  Webhook sink     ${endpoints.webhookSinkUrl}/deliveries`,
    `  Mail catcher     SMTP ${endpoints.mailSmtpUrl}, read back ${endpoints.mailCatcherUrl}/messages?to=<address>`,
    `  Bank simulator   sandbox ${endpoints.bankUrl}, live ${endpoints.liveBankUrl}  (latency ${LOCAL_STACK_ENV.bankLatencyMs}=${process.env[LOCAL_STACK_ENV.bankLatencyMs] ?? '5000-10000'})`,
    `  Stripe simulator ${endpoints.stripeSimulatorUrl}  (test mode's processor: ${process.env[ENV.testProcessor] ?? 'simulator'}; ${ENV.testProcessor}=stripe to use it)`,
    '  Demo merchants:',
    ...endpoints.merchants.flatMap((merchant) => [
      `    ${merchant.id.padEnd(18)} test: Authorization: Bearer ${merchant.apiKey}`,
      `    ${''.padEnd(18)} live: Authorization: Bearer ${merchant.liveApiKey}`,
    ]),
    '  Endpoints are also in .aspay/local.json',
  ].join('\n');
}

/** One line per stray process stopped, so that a person sees what an earlier stack had left running. */
function describeStrays(strays: readonly StrayProcess[]): string[] {
  return strays.map(
    ({ pid, commandLine }) => `Stopped a stray process of this checkout: ${pid} ${commandLine}`,
  );
}

async function main(command: string | undefined, options: readonly string[]): Promise<void> {
  const unknown = options.filter((option) => option !== '--test-timings');
  if (unknown.length)
    throw new StackError(`unknown option "${unknown[0]}": the only option is --test-timings`);
  if (options.includes('--test-timings')) {
    if (command === 'down') throw new StackError('--test-timings applies to start and up, not down');
    adoptTestTimings();
  }
  switch (command) {
    case 'up': {
      const { endpoints, strays } = await bringUp();
      console.log([...describeStrays(strays), describe(endpoints)].join('\n'));
      return;
    }
    case 'start': {
      const { endpoints, started, strays } = await bringUp();
      console.log([...describeStrays(strays), describe(endpoints), 'Press Ctrl-C to stop.'].join('\n'));
      // Signal listeners do not keep Node.js running, and every started process is detached: without this
      // timer the command would return at once and leave the stack running in the background.
      const stayInForeground = setInterval(() => undefined, 60_000);
      // Listeners that stay: Ctrl-C reaches this process more than once (from the terminal, and relayed by npm
      // and tsx), and a signal without a listener would end it halfway through stopping the stack.
      await new Promise<void>((resolve) => {
        process.on('SIGINT', resolve);
        process.on('SIGTERM', resolve);
      });
      clearInterval(stayInForeground);
      console.log('\nStopping what this command started…');
      await stopProcesses(started.map((process) => process.name));
      return;
    }
    case 'down': {
      const { stopped, strays } = await bringDown();
      const lines = [
        ...(stopped.length ? [`Stopped: ${stopped.join(', ')}`] : []),
        ...describeStrays(strays),
      ];
      console.log(lines.length ? lines.join('\n') : 'Nothing of the local stack was running.');
      return;
    }
    default:
      throw new StackError(`unknown command "${command ?? ''}": use start, up or down`);
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  () => process.exit(0),
  (error: unknown) => {
    const message =
      error instanceof StackError ? error.message : `unexpected failure: ${(error as Error).message}`;
    console.error(`aspay local: ${message}`);
    process.exit(1);
  },
);
