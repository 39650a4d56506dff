import { join } from 'node:path';
import {
  type CfnResource,
  CustomResource,
  custom_resources as cr,
  Duration,
  aws_ec2 as ec2,
  aws_kms as kms,
  type aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  aws_rds as rds,
  type aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DATABASE_ROLES, type DatabaseRoleKind, databaseRoleOf } from '../lambdas/core/config/database-roles';
import { migrationsFingerprint } from '../lambdas/core/config/schema-version';
import { dataRemovalPolicy, type StageConfig } from './stage-config';

const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'migrations');

/**
 * Aurora PostgreSQL Serverless v2 (the payments, outbox and ledger database), in UTC, encrypted with its own
 * KMS key, credentials in Secrets Manager, and, where the stage has one, an RDS Proxy the Lambdas connect
 * through (connection pooling across thousands of short-lived functions). Without the proxy the functions
 * connect to the cluster endpoint, bounded by their reserved concurrency times their pool size.
 *
 * Each function logs in as its kind's database role (lambdas/core/config/database-roles.ts), with a password
 * Secrets Manager generates into a secret per role; only the migrate function uses the master user. A secret
 * per database user is what RDS Proxy needs anyway to log in to the database on a client's behalf
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy-secrets-arns.html), and the same
 * secrets serve the stages without a proxy, where IAM authentication would need its own token per connection.
 */
export class Data extends Construct {
  readonly cluster: rds.DatabaseCluster;
  /** Each function role's credentials: `username` is the role, set as its password by the migrate function. */
  readonly roleSecrets: ReadonlyMap<DatabaseRoleKind, rds.DatabaseSecret>;
  readonly proxy?: rds.DatabaseProxy;
  /** Where the functions connect: the proxy's endpoint, else the cluster's writer endpoint. */
  readonly endpoint: string;
  /** What must be ready before anything connects: the proxy's target registration, else the cluster. */
  private readonly connectable: Construct;
  readonly databaseName = 'aspay';
  /** The master secret's rotation: it starts once the schema resource has run (see migrateWith). */
  private readonly rotation: secretsmanager.RotationSchedule;

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
    // Kept where the data is: the final snapshot is encrypted with it.
    const key = new kms.Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'ASPay database storage',
      removalPolicy: dataRemovalPolicy(props.stage),
    });
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
      // A kept cluster would keep its subnet group in the stack's VPC, whose deletion would then fail: where the
      // stage keeps its data, the cluster is deleted after a final snapshot, restorable into the next deploy.
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
      removalPolicy: props.stage.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    // RDS creates the exported log group itself; the retention resource that sets its retention deletes it with
    // the stack where the stage keeps no data.
    for (const log of this.cluster.node.children.filter((child) => child.node.id.startsWith('LogRetention')))
      (log.node.defaultChild as CfnResource).addPropertyOverride(
        'RemovalPolicy',
        dataRemovalPolicy(props.stage),
      );
    this.cluster.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });
    this.rotation = this.cluster.secret!.node.findChild(
      'RotationSchedule',
    ) as secretsmanager.RotationSchedule;
    this.roleSecrets = new Map(
      (Object.keys(DATABASE_ROLES) as DatabaseRoleKind[]).map((kind) => [
        kind,
        new rds.DatabaseSecret(this, `${kind[0]!.toUpperCase()}${kind.slice(1)}RoleSecret`, {
          username: DATABASE_ROLES[kind].name,
        }),
      ]),
    );
    if (!props.stage.databaseProxy) {
      this.cluster.connections.allowDefaultPortFrom(props.clients, 'ASPay functions');
      this.endpoint = this.cluster.clusterEndpoint.hostname;
      // Its writer instance, not the whole cluster construct, whose children include the secret's rotation,
      // which waits for the schema.
      this.connectable = this.cluster.node.findChild('writer');
      return;
    }
    this.proxy = this.cluster.addProxy('Proxy', {
      // Physical names are per stage: two stages may share an account and region.
      dbProxyName: `aspay-${props.stage.name}`,
      // RDS Proxy logs in to the database as the user of each secret it lists: the master (migrations) and
      // every function role.
      secrets: [this.cluster.secret!, ...this.roleSecrets.values()],
      vpc: props.vpc,
      requireTLS: true,
      securityGroups: [
        new ec2.SecurityGroup(this, 'ProxySecurityGroup', { vpc: props.vpc, allowAllOutbound: true }),
      ],
    });
    this.proxy.connections.allowFrom(props.clients, ec2.Port.tcp(5432), 'ASPay functions');
    this.cluster.connections.allowDefaultPortFrom(this.proxy, 'RDS Proxy');
    this.endpoint = this.proxy.endpoint;
    // The proxy answers only once its target group has registered the cluster.
    this.connectable = this.proxy.node.findChild('ProxyTargetGroup');
  }

  /**
   * The secret a function logs in with: its role's, or, for the migrator (the migrate function, owner of the
   * schema), the master user's.
   */
  secretOf(handler: string, { migrator = false } = {}): rds.DatabaseSecret | secretsmanager.ISecret {
    if (migrator) return this.cluster.secret!;
    const kind = databaseRoleOf(handler);
    if (!kind)
      throw new Error(`function ${handler} has no database role in lambdas/core/config/database-roles.ts`);
    return this.roleSecrets.get(kind)!;
  }

  /**
   * Applies the versioned SQL migrations (the same the local stack applies), sets each function role's
   * password from its secret and creates the Kafka topics whenever they change; returns the resource, for
   * what needs the schema and topics first.
   */
  migrateWith(migrate: lambda.IFunction, logRetention: logs.RetentionDays): CustomResource {
    const provider = new cr.Provider(this, 'SchemaProvider', {
      onEventHandler: migrate,
      logGroup: new logs.LogGroup(this, 'SchemaProviderLogs', { retention: logRetention }),
    });
    const schema = new CustomResource(this, 'Schema', {
      serviceToken: provider.serviceToken,
      // A replaced role secret runs it again, so the role's password follows its secret.
      properties: {
        migrations: migrationsFingerprint(MIGRATIONS_DIR),
        roleSecrets: [...this.roleSecrets.values()].map((secret) => secret.secretArn),
      },
    });
    schema.node.addDependency(this.connectable);
    // Creating a rotation schedule rotates the secret at once: the migration, which logs in with it, would race
    // the rotation's password change on the first deploy. The first rotation waits for the first migration.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html
    this.rotation.node.addDependency(schema);
    return schema;
  }
}
