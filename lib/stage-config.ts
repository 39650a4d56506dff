import type { App } from 'aws-cdk-lib';

/** Per-stage sizes, retention and removal policies, read from `cdk.json` context (`-c stage=prod`). */
export interface StageConfig {
  readonly name: string;
  readonly auroraMinCapacity: number;
  readonly auroraMaxCapacity: number;
  readonly natGateways: number;
  readonly kafkaBrokerType: string;
  readonly kafkaBrokersPerAz: number;
  readonly logRetentionDays: number;
  readonly backupRetentionDays: number;
  /** Keep databases, tables and queues when the stack is deleted (and protect the database from deletion). */
  readonly retainData: boolean;
  readonly apiThrottleRatePerSecond: number;
  readonly apiThrottleBurst: number;
  /** Upper bound on concurrent API Lambdas: protects Aurora (through RDS Proxy) from a traffic spike. */
  readonly apiReservedConcurrency: number;
  /** The third-party bank's API (the processor charges and refunds there). */
  readonly bankApiUrl: string;
}

export function stageConfig(app: App): StageConfig {
  const name = String(app.node.tryGetContext('stage') ?? 'dev');
  const stages = app.node.tryGetContext('stages') as Record<string, Omit<StageConfig, 'name'>> | undefined;
  const stage = stages?.[name];
  if (!stage)
    throw new Error(
      `unknown stage "${name}": cdk.json context "stages" defines ${Object.keys(stages ?? {}).join(', ')}`,
    );
  return { name, ...stage };
}
