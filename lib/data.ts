import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CustomResource,
  custom_resources as cr,
  Duration,
  aws_ec2 as ec2,
  aws_kms as kms,
  type aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  aws_rds as rds,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config';

const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'migrations');

/** A fingerprint of the versioned migrations: the schema custom resource runs again whenever they change. */
function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort())
    hash.update(file).update(readFileSync(join(MIGRATIONS_DIR, file)));
  return hash.digest('hex');
}

/**
 * Aurora PostgreSQL Serverless v2 (the payments, outbox and ledger database), in UTC, encrypted with its own
 * KMS key, credentials in Secrets Manager, and an RDS Proxy the Lambdas connect through (connection pooling
 * across thousands of short-lived functions).
 */
export class Data extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly proxy: rds.DatabaseProxy;
  readonly databaseName = 'aspay';

  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: StageConfig;
      vpc: ec2.IVpc;
      clients: ec2.ISecurityGroup;
      logRetention: logs.RetentionDays;
    },
  ) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'ASPay database storage' });
    const parameters = new rds.ParameterGroup(this, 'Parameters', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      parameters: { timezone: 'UTC', 'rds.force_ssl': '1', log_timezone: 'UTC' },
    });
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      defaultDatabaseName: this.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret('aspay_admin'),
      writer: rds.ClusterInstance.serverlessV2('writer'),
      readers: props.stage.retainData
        ? [rds.ClusterInstance.serverlessV2('reader', { scaleWithWriter: true })]
        : [],
      serverlessV2MinCapacity: props.stage.auroraMinCapacity,
      serverlessV2MaxCapacity: props.stage.auroraMaxCapacity,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      storageEncrypted: true,
      storageEncryptionKey: key,
      parameterGroup: parameters,
      iamAuthentication: true,
      deletionProtection: props.stage.retainData,
      backup: { retention: Duration.days(props.stage.backupRetentionDays) },
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: props.logRetention,
      removalPolicy: props.stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.cluster.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });
    this.proxy = this.cluster.addProxy('Proxy', {
      secrets: [this.cluster.secret!],
      vpc: props.vpc,
      requireTLS: true,
      securityGroups: [
        new ec2.SecurityGroup(this, 'ProxySecurityGroup', { vpc: props.vpc, allowAllOutbound: true }),
      ],
    });
    this.proxy.connections.allowFrom(props.clients, ec2.Port.tcp(5432), 'ASPay functions');
    this.cluster.connections.allowDefaultPortFrom(this.proxy, 'RDS Proxy');
  }

  /** Applies the versioned SQL migrations (the same the local stack applies) whenever they change. */
  migrateWith(migrate: lambda.IFunction, logRetention: logs.RetentionDays): void {
    const provider = new cr.Provider(this, 'SchemaProvider', {
      onEventHandler: migrate,
      logGroup: new logs.LogGroup(this, 'SchemaProviderLogs', { retention: logRetention }),
    });
    new CustomResource(this, 'Schema', {
      serviceToken: provider.serviceToken,
      properties: { migrations: migrationsFingerprint() },
    });
  }
}
