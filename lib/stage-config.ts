import { type App, RemovalPolicy } from 'aws-cdk-lib';
import { PROCESSOR_NAMES, type PROCESSORS, type ProcessorName } from '../lambdas/core/config/processors';

/** How the MSK event source mappings get their event pollers. */
export type KafkaPollerMode = 'provisioned' | 'on-demand';

/** How the private subnets reach the internet: managed NAT gateways or small NAT instances. */
export type NatProvider = 'gateway' | 'instance';

/**
 * Per-stage sizes, retention, removal policies and cost/availability trade-offs, read from `cdk.json` context
 * (`-c stage=prod`). Every difference between stages is a setting here, never a test of the stage's name.
 */
export interface StageConfig {
  readonly name: string;
  readonly auroraMinCapacity: number;
  readonly auroraMaxCapacity: number;
  /** Functions reach Aurora through an RDS Proxy (connection pooling) rather than the cluster endpoint. */
  readonly databaseProxy: boolean;
  readonly natProvider: NatProvider;
  /** NAT gateways or instances: one per AZ for AZ-independent egress, fewer to save cost. */
  readonly natCount: number;
  /** Instance type of the NAT instances (natProvider "instance" only). */
  readonly natInstanceType: string;
  /** SQS and Secrets Manager interface endpoints; without them that traffic goes through NAT. */
  readonly interfaceEndpoints: boolean;
  readonly kafkaBrokerType: string;
  readonly kafkaBrokersPerAz: number;
  readonly kafkaVolumeGiB: number;
  readonly kafkaPollerMode: KafkaPollerMode;
  /** Per mapping, provisioned mode only; the mappings share one poller group (one EPU for small minimums). */
  readonly kafkaMinimumPollers: number;
  readonly kafkaMaximumPollers: number;
  readonly logRetentionDays: number;
  readonly backupRetentionDays: number;
  /**
   * What `cdk destroy` keeps: with it, the table, the queue, the keys that encrypt kept data and the log groups
   * are kept, the database is deleted after a final snapshot (and protected from deletion); without it,
   * everything the stack created is deleted (docs/aws-deployment.md).
   */
  readonly retainData: boolean;
  readonly apiThrottleRatePerSecond: number;
  readonly apiThrottleBurst: number;
  /**
   * Each merchant's sustained request rate and burst on the API, shared by all its requests whatever the route
   * (lambdas/core/domain/rate-limit.ts); the stage throttle above bounds all merchants together.
   */
  readonly merchantRequestsPerSecond: number;
  readonly merchantRequestBurst: number;
  /**
   * Reserve Lambda concurrency (the two settings below). Off where the account's quota may be a new account's
   * (as low as 10): AWS keeps 100 unreserved, so any reservation there fails the deploy
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). Off, the quota itself bounds
   * every function together.
   */
  readonly reserveConcurrency: boolean;
  /** With `reserveConcurrency`: upper bound on concurrent Lambdas per API function (protects Aurora). */
  readonly apiReservedConcurrency: number;
  /** With `reserveConcurrency`: concurrent runs per scheduled function (outbox relay, pending payments). */
  readonly scheduledReservedConcurrency: number;
  /**
   * The account's Lambda concurrent-executions quota in this stage's region (Service Quotas, "Concurrent
   * executions"): reservations must fit in it, and without them it bounds the database connections.
   */
  readonly lambdaConcurrencyQuota: number;
  /**
   * The stack owns the account's API Gateway CloudWatch Logs role (AWS::ApiGateway::Account). Set false where
   * the role is set once per account and region outside this stack (docs/aws-deployment.md).
   */
  readonly apiGatewayCloudWatchRole: boolean;
  /**
   * A regional AWS WAF web ACL on the API stage: AWS managed rule groups and a per-IP rate limit (lib/waf.ts).
   * Billed per web ACL, rule and request even when idle (docs/aws-deployment.md).
   */
  readonly waf: boolean;
  /** With `waf`: requests one client IP may send per 5-minute window before WAF answers 429. */
  readonly wafRequestsPerIpPerWindow: number;
  /**
   * The third-party bank's API: live-mode payments and refunds are charged and refunded there. Empty: live mode
   * is off (live payments are refused with `live_mode_unavailable`) until the bank's URL is configured.
   */
  readonly bankApiUrl: string;
  /**
   * The bank's sandbox: test-mode payments and refunds go there, never to `bankApiUrl`. Empty: the sandbox bank
   * the stack serves itself (lib/sandbox-bank.ts), with the local simulator's test tokens.
   */
  readonly bankSandboxApiUrl: string;
  /**
   * Each mode's processor (lambdas/core/config/processors.ts): `simulator`, `http` or `stripe`. A mode on
   * Stripe gets a Secrets Manager secret for its Stripe credentials (`{ "secretKey", "webhookSecret" }`, set
   * by the operator: docs/bank-processor.md), readable only by the functions that call Stripe or verify its
   * events.
   */
  readonly processors: Readonly<Record<keyof typeof PROCESSORS, ProcessorName>>;
  /**
   * Customer receipts (docs/receipts.md): the sender, an address of an Amazon SES identity verified in this
   * stage's account and region (the address itself or its domain). Unset or empty: no receipts are sent.
   */
  readonly receiptsFromAddress?: string;
}

/**
 * Names reserved by RFC 2606 and RFC 6761 (https://www.rfc-editor.org/rfc/rfc6761#section-6): they never
 * resolve to a bank (`localhost` resolves to the machine itself, in AWS a Lambda's own sandbox).
 */
const RESERVED_DOMAINS = [
  'example',
  'invalid',
  'test',
  'localhost',
  'example.com',
  'example.net',
  'example.org',
];

export class ReservedBankDomainError extends Error {
  constructor(stage: string, setting: string, url: string) {
    super(
      `stage "${stage}": ${setting} "${url}" is on a reserved domain (${RESERVED_DOMAINS.map((d) => `.${d}`).join(', ')}) that never reaches a bank: set your bank's URL, or "" (cdk.json)`,
    );
    this.name = 'ReservedBankDomainError';
  }
}

/** Whether `url`'s host is a reserved name or under one (RESERVED_DOMAINS). */
export function onReservedDomain(url: URL): boolean {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return RESERVED_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/** Refuses a configured bank URL that can never answer: every payment sent there would wait PENDING for ever. */
function assertBanksReachable(stage: StageConfig): void {
  for (const setting of ['bankApiUrl', 'bankSandboxApiUrl'] as const) {
    const url = stage[setting];
    if (url === '') continue;
    if (!URL.canParse(url))
      throw new Error(`stage "${stage.name}": ${setting} "${url}" is not a URL (cdk.json)`);
    if (onReservedDomain(new URL(url))) throw new ReservedBankDomainError(stage.name, setting, url);
  }
}

export class UnknownStageError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(`unknown stage "${name}": cdk.json context "stages" defines ${known.join(', ')}`);
    this.name = 'UnknownStageError';
  }
}

export function stageConfig(app: App): StageConfig {
  const name = String(app.node.tryGetContext('stage') ?? 'dev');
  const stages = app.node.tryGetContext('stages') as Record<string, Omit<StageConfig, 'name'>> | undefined;
  const stage = stages?.[name];
  if (!stage) throw new UnknownStageError(name, Object.keys(stages ?? {}));
  const config = { name, ...stage };
  assertBanksReachable(config);
  for (const [mode, processor] of Object.entries(config.processors ?? {}))
    if (!(PROCESSOR_NAMES as readonly string[]).includes(processor))
      throw new Error(
        `stage "${name}": processors.${mode} "${processor}" is not one of ${PROCESSOR_NAMES.join(', ')} (cdk.json)`,
      );
  const from = config.receiptsFromAddress;
  if (from && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(from))
    throw new Error(`stage "${name}": receiptsFromAddress "${from}" is not an e-mail address (cdk.json)`);
  // The simulator is the in-stack sandbox bank: live payments settled against it would move no money.
  if (config.processors?.live === 'simulator')
    throw new Error(
      `stage "${name}": processors.live cannot be "simulator": use "http" or "stripe" (cdk.json)`,
    );
  return config;
}

/**
 * What deleting the stack does with a resource that holds data: keeps it where the stage retains data. What is
 * kept never carries a fixed physical name (the next deploy would fail on "already exists") and never sits in
 * the stack's network (deleting the VPC would fail on it).
 */
export function dataRemovalPolicy(stage: StageConfig): RemovalPolicy {
  return stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
