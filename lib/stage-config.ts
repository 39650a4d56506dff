import type { App } from 'aws-cdk-lib';

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
  /** Keep databases, tables and queues when the stack is deleted (and protect the database from deletion). */
  readonly retainData: boolean;
  readonly apiThrottleRatePerSecond: number;
  readonly apiThrottleBurst: number;
  /**
   * Each merchant's sustained request rate and burst on the API, shared by all its requests whatever the route
   * (lambdas/core/domain/rate-limit.ts); the stage throttle above bounds all merchants together.
   */
  readonly merchantRequestsPerSecond: number;
  readonly merchantRequestBurst: number;
  /** Upper bound on concurrent Lambdas per API function: protects Aurora from a traffic spike. */
  readonly apiReservedConcurrency: number;
  /** The account's Lambda concurrent-executions quota in this stage's region: reservations must fit in it. */
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
  /** The third-party bank's API: live-mode payments and refunds are charged and refunded there. */
  readonly bankApiUrl: string;
  /** The bank's sandbox: test-mode payments and refunds go there, never to `bankApiUrl`. */
  readonly bankSandboxApiUrl: string;
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
  return { name, ...stage };
}
