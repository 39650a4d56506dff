/**
 * `aspay`: the operator CLI (`npx aspay …`, or `npm run aspay -- …`). Endpoints come from the environment (DATABASE_URL,
 * ASPAY_KAFKA_BROKERS, ASPAY_DEAD_LETTER_QUEUE_URL, ASPAY_SQS_ENDPOINT — so it works against AWS from a host that reaches them), else from the
 * local stack's .aspay/local.json. `--json` prints machine-readable output. Exit codes: 0 ok, 1 a check
 * failed or the command failed, 2 usage error.
 *
 *   aspay payments show <id>
 *   aspay payments stuck [--older-than <minutes>]
 *   aspay events list --merchant <id> [--mode test|live] [--payment <id>] [--type <type>] [--limit N]
 *                     [--starting-after <event id>]
 *   aspay events show <event id> | events resend <event id>
 *   aspay dlq list | show <id> | redrive <id> | redrive --all
 *   aspay ledger verify
 *   aspay chaos poison-pill [--count N]
 *   aspay keys list --merchant <id> [--mode test|live]
 *   aspay keys create --merchant <id> --mode test|live [--read-only]   (the key is printed once)
 *   aspay keys roll <key id> [--expires-in <seconds>] | keys revoke <key id>
 *   aspay merchants create <name> [--webhook-url <url>]
 *   aspay merchants list | show <id> | disable <id> | enable <id>
 *   aspay merchants receipts <merchant id> on|off   (customer receipts by e-mail, docs/receipts.md)
 *   aspay merchants seal-webhook-secrets   (one-time: seals secrets stored in plain text before 0010)
 *   aspay smoke [--stage dev|prod] [--outputs cdk-outputs.json] [--api-url URL] [--key sk_test_…] [--timeout S]
 *
 * `smoke` talks to the HTTP API only, with a merchant's test key (--key or ASPAY_API_KEY), at the URL it finds
 * as cli/commands/smoke-target.ts says.
 *
 * Webhook secrets are sealed with the KMS key in ASPAY_WEBHOOK_SECRETS_KEY_ID (AWS) or the local stack's key file.
 */
import { createKafka } from '../lambdas/core/adapters/kafka/client';
import { postgresMerchantRegistry } from '../lambdas/core/adapters/postgres/merchants';
import { createPool } from '../lambdas/core/adapters/postgres/pool';
import { secretSealer } from '../lambdas/core/adapters/secrets/secret-sealer';
import { ENV } from '../lambdas/core/config/environment';
import { setting } from '../lambdas/core/config/settings';
import { webhookSettings } from '../lambdas/core/config/webhooks';
import { WebhookUrlRejectedError } from '../lambdas/core/domain/errors';
import { registerMerchant, type WebhookRegistration } from '../lambdas/core/use-cases/register-merchant';
import { sealPlainWebhookSecrets } from '../lambdas/core/use-cases/seal-webhook-secrets';
import { poisonPill } from './commands/chaos';
import { dlqAccess, listDlq, redriveDlq, showDlq } from './commands/dlq';
import { listEventsCommand, resendEventCommand, showEventCommand } from './commands/events';
import { createKeyCommand, listKeysCommand, revokeKeyCommand, rollKeyCommand } from './commands/keys';
import { verifyLedger } from './commands/ledger';
import { listMerchants, setMerchantDisabled, showMerchant } from './commands/merchants';
import { showPayment } from './commands/payments';
import { setCustomerReceipts } from './commands/receipts';
import { runSmoke, testKeyOf } from './commands/smoke';
import { smokeTarget } from './commands/smoke-target';
import { showStuck } from './commands/stuck';
import { CheckFailedError, cliEndpoints, output, required, UsageError } from './context';

const USAGE =
  'usage: aspay payments show <id> | payments stuck [--older-than <minutes>] | events list --merchant <id> [--mode test|live] [--payment <id>] [--type <type>] [--limit N] [--starting-after <id>] | events show|resend <event id> | dlq list|show <id>|redrive <id>|--all | ledger verify | chaos poison-pill [--count N] | keys list --merchant <id> [--mode test|live] | keys create --merchant <id> --mode test|live [--read-only] | keys roll <key id> [--expires-in <seconds>] | keys revoke <key id> | merchants create <name> [--webhook-url <url>] | merchants list | merchants show|disable|enable <id> | merchants receipts <id> on|off | merchants seal-webhook-secrets | smoke [--stage dev|prod] [--outputs <file>] [--api-url <url>] [--key sk_test_…] [--timeout <s>]  (add --json for JSON)';

/** The flags that take a value: the word after one is its value, not a command word. */
const VALUE_FLAGS = [
  '--count',
  '--older-than',
  '--webhook-url',
  '--stage',
  '--outputs',
  '--api-url',
  '--key',
  '--timeout',
  '--merchant',
  '--mode',
  '--payment',
  '--type',
  '--limit',
  '--starting-after',
  '--expires-in',
];

/** `--timeout`: whole seconds each of the smoke test's waits may take (60 unless told). */
function timeoutSeconds(args: string[]): number {
  const raw = flagValue(args, '--timeout') ?? '60';
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new UsageError(`--timeout: a whole number of seconds, got "${raw}"`);
  return seconds;
}

function flagValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

async function withPool<T>(use: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  const pool = createPool(cliEndpoints().databaseUrl);
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

function kafka() {
  return createKafka({
    clientId: 'aspay-cli',
    brokers: required(cliEndpoints().kafkaBrokers, ENV.kafkaBrokers).split(','),
  });
}

function dlq() {
  const endpoints = cliEndpoints();
  return dlqAccess(required(endpoints.deadLetterQueueUrl, ENV.deadLetterQueueUrl), endpoints.sqsEndpoint);
}

/** The environment the secret sealer reads: the KMS key's (AWS), else the local stack's key and sink. */
function sealingEnvironment(): NodeJS.ProcessEnv {
  const endpoints = cliEndpoints();
  return {
    ...process.env,
    [ENV.webhookSecretsKeyFile]: setting(ENV.webhookSecretsKeyFile) ?? endpoints.webhookSecretsKeyFile,
    [ENV.webhookAllowHosts]: setting(ENV.webhookAllowHosts) ?? endpoints.webhookAllowedHosts,
  };
}

function webhookRegistration(url: string): WebhookRegistration {
  const env = sealingEnvironment();
  return { url, sealer: secretSealer(env), allowedHosts: webhookSettings(env).allowedHosts };
}

async function main(args: string[]): Promise<void> {
  const out = output(args.includes('--json'));
  const words = args.filter(
    (arg, index) => !arg.startsWith('--') && !VALUE_FLAGS.includes(args[index - 1] ?? ''),
  );
  const [area, action, subject] = words;
  if (area === 'smoke' && action === undefined) {
    const key = testKeyOf(flagValue(args, '--key') ?? process.env.ASPAY_API_KEY);
    const target = await smokeTarget({
      apiUrl: flagValue(args, '--api-url'),
      stage: flagValue(args, '--stage'),
      outputsFile: flagValue(args, '--outputs'),
    });
    return runSmoke(target, { key, timeoutSeconds: timeoutSeconds(args) }, out);
  }
  switch (`${area} ${action}`) {
    case 'payments show':
      return withPool((pool) => showPayment(pool, subject, out));
    case 'payments stuck':
      return withPool((pool) => showStuck(pool, flagValue(args, '--older-than'), out));
    case 'events list':
      return withPool((pool) =>
        listEventsCommand(
          pool,
          {
            merchant: flagValue(args, '--merchant'),
            mode: flagValue(args, '--mode'),
            payment: flagValue(args, '--payment'),
            type: flagValue(args, '--type'),
            limit: flagValue(args, '--limit'),
            startingAfter: flagValue(args, '--starting-after'),
          },
          out,
        ),
      );
    case 'events show':
      return withPool((pool) => showEventCommand(pool, subject, out));
    case 'events resend':
      return withPool((pool) => resendEventCommand(pool, subject, out));
    case 'keys list':
      return withPool((pool) =>
        listKeysCommand(
          pool,
          { merchant: flagValue(args, '--merchant'), mode: flagValue(args, '--mode') },
          out,
        ),
      );
    case 'keys create':
      return withPool((pool) =>
        createKeyCommand(
          pool,
          {
            merchant: flagValue(args, '--merchant'),
            mode: flagValue(args, '--mode'),
            readOnly: args.includes('--read-only'),
          },
          out,
        ),
      );
    case 'keys roll':
      return withPool((pool) => rollKeyCommand(pool, subject, flagValue(args, '--expires-in'), out));
    case 'keys revoke':
      return withPool((pool) => revokeKeyCommand(pool, subject, out));
    case 'ledger verify':
      return withPool((pool) => verifyLedger(pool, out));
    case 'dlq list':
      return listDlq(dlq(), out);
    case 'dlq show':
      return showDlq(dlq(), subject, out);
    case 'dlq redrive':
      return withPool((pool) =>
        redriveDlq(dlq(), kafka(), pool, args.includes('--all') ? '--all' : subject, out),
      );
    case 'chaos poison-pill':
      return poisonPill(kafka(), Number(flagValue(args, '--count') ?? '1'), out);
    case 'merchants create': {
      const name = words.slice(2).join(' ');
      if (!name) throw new UsageError('usage: aspay merchants create <name> [--webhook-url <url>]');
      const webhookUrl = flagValue(args, '--webhook-url');
      const webhook = webhookUrl === undefined ? undefined : webhookRegistration(webhookUrl);
      const result = await withPool((pool) =>
        registerMerchant(postgresMerchantRegistry(pool), name, webhook).catch((error: Error) => {
          throw error instanceof WebhookUrlRejectedError
            ? new UsageError(`--webhook-url: ${error.message}`)
            : error;
        }),
      );
      return out.print(result, () =>
        [
          `merchant  ${result.merchantId}`,
          `test key  ${result.apiKeys.test}`,
          `live key  ${result.apiKeys.live}  (shown once: store them now)`,
          ...(result.webhookSecret
            ? [`webhook secret  ${result.webhookSecret}  (shown once: store it now)`]
            : []),
        ].join('\n'),
      );
    }
    case 'merchants list':
      return withPool((pool) => listMerchants(pool, out));
    case 'merchants show':
      return withPool((pool) => showMerchant(pool, subject, out));
    case 'merchants disable':
      return withPool((pool) => setMerchantDisabled(pool, subject, true, out));
    case 'merchants enable':
      return withPool((pool) => setMerchantDisabled(pool, subject, false, out));
    case 'merchants receipts':
      return withPool((pool) => setCustomerReceipts(pool, subject, words[3], out));
    case 'merchants seal-webhook-secrets': {
      const sealer = secretSealer(sealingEnvironment());
      const sealed = await withPool((pool) =>
        sealPlainWebhookSecrets(postgresMerchantRegistry(pool), sealer),
      );
      return out.print({ sealed }, () => `sealed ${sealed} plain-text webhook secret(s)`);
    }
    default:
      throw new UsageError(USAGE);
  }
}

/** Exits once everything printed has reached the pipe (a bare process.exit may cut long output short). */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(
  () => exitAfterFlush(0),
  (error: Error) => {
    const message =
      error instanceof UsageError || error instanceof CheckFailedError
        ? error.message
        : `failed: ${error.message.split('\n')[0]}`;
    console.error(`aspay: ${message}`);
    exitAfterFlush(error instanceof UsageError ? 2 : 1);
  },
);
