import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { COORDINATION_TABLE } from '../../lambdas/core/config/coordination-table';
import { DATABASE_ROLE_NAMES } from '../../lambdas/core/config/database-roles';
import { ENV, RENAMED_ENV } from '../../lambdas/core/config/environment';
import { CONSUMERS, DEAD_LETTER_QUEUE } from '../../lambdas/core/config/messaging';
import { API_ROUTES } from '../../lambdas/core/config/routes';
import { stageConfig } from '../../lib/stage-config';
import { appFor, templateFor } from './synth';

let dev: Template;
let prod: Template;

beforeAll(() => {
  dev = templateFor('dev');
  prod = templateFor('prod');
}, 300_000);

type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: string;
};
const resources = (template: Template, type: string) =>
  Object.values(template.findResources(type)) as Resource[];
const only = (template: Template, type: string): Resource => {
  const [resource, ...others] = resources(template, type);
  if (!resource || others.length > 0) throw new Error(`expected exactly one ${type}`);
  return resource;
};
const logicalIds = (template: Template, type: string) => Object.keys(template.findResources(type));
/**
 * ASPay's functions: the API's (one per route, the authorizer, the fallback), create-merchant, migrate, the
 * sandbox bank, 2 scheduled, one per consumer.
 */
/** One function per API handler: several routes may share one (the API keys'). */
const handlersOf = (routes: readonly { handler: string }[]) =>
  new Set(routes.map((route) => route.handler)).size;
const OUR_FUNCTION_COUNT = handlersOf(API_ROUTES) + 2 + 3 + 2 + Object.keys(CONSUMERS).length;

describe('the AWS stack', () => {
  it('runs every function on Node.js 24, ARM64, with X-Ray tracing', () => {
    const all = resources(dev, 'AWS::Lambda::Function');
    const ours = all.filter(
      (fn) =>
        (fn.Properties?.Environment as { Variables?: Record<string, string> })?.Variables
          ?.POWERTOOLS_SERVICE_NAME === 'aspay',
    );
    expect(ours).toHaveLength(OUR_FUNCTION_COUNT);
    for (const fn of ours) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
    // CDK's own helper functions (custom-resource framework, log retention) run on Node.js 24 too.
    for (const fn of all) expect(fn.Properties?.Runtime).toBe('nodejs24.x');
  });

  it('gives only the functions that call the bank its sandbox, and live mode is off until a live bank is set', () => {
    for (const template of [dev, prod]) {
      const ours = resources(template, 'AWS::Lambda::Function')
        .map((fn) => (fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables)
        .filter((variables) => variables?.POWERTOOLS_SERVICE_NAME === 'aspay');
      const withSandbox = ours.filter((variables) => variables?.[ENV.bankSandboxApiUrl] !== undefined);
      expect(withSandbox).toHaveLength(2);
      for (const variables of ours) expect(variables?.[ENV.bankApiUrl]).toBeUndefined();
    }
    for (const stage of ['dev', 'prod']) expect(stageConfig(appFor(stage)).bankApiUrl).toBe('');
  });

  it('gives every log group a retention period', () => {
    const groups = resources(dev, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(10);
    for (const group of groups) expect(group.Properties?.RetentionInDays).toBeGreaterThan(0);
    // Log groups created by CDK's log-retention helper (Aurora's exports) carry their retention there.
    for (const retention of resources(dev, 'Custom::LogRetention'))
      expect(retention.Properties?.RetentionInDays).toBeGreaterThan(0);
  });

  it('keeps idempotency records in an on-demand, encrypted table with the Powertools TTL attribute', () => {
    dev.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: COORDINATION_TABLE.partitionKey, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: COORDINATION_TABLE.ttlAttribute, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
  });

  it('encrypts the dead-letter queue, the database and Kafka with KMS', () => {
    dev.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: DEAD_LETTER_QUEUE.retentionDays * 24 * 3600,
    });
    dev.hasResourceProperties('AWS::RDS::DBCluster', { StorageEncrypted: true, KmsKeyId: Match.anyValue() });
    dev.hasResourceProperties('AWS::MSK::Cluster', {
      EncryptionInfo: {
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
        EncryptionAtRest: { DataVolumeKMSKeyId: Match.anyValue() },
      },
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
    });
  });

  it('seals webhook secrets with a rotating customer-managed key, kept with the data in prod', () => {
    for (const template of [dev, prod])
      template.hasResourceProperties('AWS::KMS::Key', {
        Description: "ASPay merchants' webhook signing secrets",
        EnableKeyRotation: true,
      });
    prod.hasResource('AWS::KMS::Key', {
      Properties: { Description: "ASPay merchants' webhook signing secrets" },
      DeletionPolicy: 'Retain',
    });
  });

  it('never allow-lists a webhook host nor hands a function the local secrets key: those are local-only', () => {
    for (const template of [dev, prod])
      for (const fn of resources(template, 'AWS::Lambda::Function')) {
        const variables =
          (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
          {};
        expect(Object.keys(variables)).not.toContain(ENV.webhookAllowHosts);
        expect(Object.keys(variables)).not.toContain(ENV.webhookSecretsKeyFile);
      }
  });

  it("sets only the functions' variables by their ASPAY_ names, never a renamed variable's old name", () => {
    const ownNames = new Set<string>(Object.values(ENV));
    const oldNames = new Set(Object.values(RENAMED_ENV));
    for (const template of [dev, prod]) {
      const functions = resources(template, 'AWS::Lambda::Function')
        .map((fn) => (fn.Properties?.Environment as { Variables?: Record<string, string> })?.Variables ?? {})
        .filter((variables) => variables.POWERTOOLS_SERVICE_NAME === 'aspay');
      expect(functions).toHaveLength(OUR_FUNCTION_COUNT);
      for (const variables of functions) {
        const ours = Object.keys(variables).filter((name) => !/^(AWS_|POWERTOOLS_|NODE_)/.test(name));
        for (const name of ours) {
          expect(oldNames).not.toContain(name);
          expect(ownNames).toContain(name);
          expect(name).toMatch(/^ASPAY_/);
        }
      }
    }
  });

  it('runs the database in UTC, behind an RDS Proxy that requires TLS in prod', () => {
    dev.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: Match.objectLike({ timezone: 'UTC' }),
    });
    prod.hasResourceProperties('AWS::RDS::DBProxy', { RequireTLS: true });
  });

  it('puts the authorizer on every merchant route and the fallback behind every other method', () => {
    const methods = resources(dev, 'AWS::ApiGateway::Method');
    const authorized = methods.filter((method) => method.Properties?.AuthorizationType === 'CUSTOM');
    expect(authorized).toHaveLength(API_ROUTES.filter((route) => route.authorized).length);
    expect(new Set(authorized.map((method) => method.Properties?.HttpMethod))).toEqual(
      new Set(API_ROUTES.filter((route) => route.authorized).map((route) => route.method)),
    );
    const open = methods.filter((method) => method.Properties?.AuthorizationType !== 'CUSTOM');
    expect(
      open
        .filter((method) => method.Properties?.HttpMethod !== 'ANY')
        .map((method) => method.Properties?.HttpMethod)
        .sort(),
    ).toEqual(
      API_ROUTES.filter((route) => !route.authorized)
        .map((route) => route.method)
        .sort(),
    );
    dev.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
    });
    dev.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
    });
  });

  it('answers 503 with Retry-After, not 500, when the authorizer cannot answer (its database is away)', () => {
    for (const responseType of ['AUTHORIZER_CONFIGURATION_ERROR', 'AUTHORIZER_FAILURE']) {
      dev.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: responseType,
        StatusCode: '503',
        ResponseParameters: {
          'gatewayresponse.header.Content-Type': "'application/problem+json'",
          'gatewayresponse.header.Retry-After': "'10'",
        },
      });
    }
  });

  it("answers the authorizer's Deny of an unknown key 401 problem+json, like a missing key", () => {
    dev.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
    });
  });

  it('answers the stage throttle 429 problem+json with Retry-After', () => {
    dev.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      StatusCode: '429',
      ResponseParameters: {
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
        'gatewayresponse.header.Retry-After': "'1'",
      },
    });
  });

  it('gives each merchant-facing function the per-merchant request rate of its stage and its table', () => {
    const settings = stageConfig(appFor('prod'));
    const variablesOf = (fn: Resource) =>
      (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const rateLimited = resources(prod, 'AWS::Lambda::Function')
      .map(variablesOf)
      .filter((variables) => variables[ENV.merchantRequestsPerSecond] !== undefined);
    expect(rateLimited).toHaveLength(handlersOf(API_ROUTES.filter((route) => route.authorized)));
    for (const variables of rateLimited)
      expect(variables).toMatchObject({
        [ENV.merchantRequestsPerSecond]: String(settings.merchantRequestsPerSecond),
        [ENV.merchantRequestBurst]: String(settings.merchantRequestBurst),
      });
  });

  it('consumes payment-events with the shared settings, with provisioned pollers and the DLQ in prod', () => {
    for (const template of [dev, prod]) {
      expect(resources(template, 'AWS::Lambda::EventSourceMapping')).toHaveLength(
        Object.keys(CONSUMERS).length,
      );
      for (const consumer of Object.values(CONSUMERS)) {
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          Topics: [consumer.topic],
          BatchSize: consumer.batchSize,
          MaximumBatchingWindowInSeconds: consumer.maxBatchingWindowSeconds,
          StartingPosition: consumer.startingPosition,
          AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: consumer.groupId },
        });
      }
    }
    for (const mapping of resources(prod, 'AWS::Lambda::EventSourceMapping')) {
      expect(mapping.Properties).toMatchObject({
        MaximumRetryAttempts: CONSUMERS.ledger.batchRetryAttempts,
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
        // One poller group: the three mappings share Event Poller Units instead of one each.
        ProvisionedPollerConfig: { MinimumPollers: 1, PollerGroupName: 'aspay-prod-consumers' },
      });
    }
  });

  it('polls with on-demand pollers in dev, without the provisioned-only error controls', () => {
    for (const mapping of resources(dev, 'AWS::Lambda::EventSourceMapping')) {
      for (const provisionedOnly of [
        'ProvisionedPollerConfig',
        'MaximumRetryAttempts',
        'BisectBatchOnFunctionError',
        'DestinationConfig',
      ])
        expect(mapping.Properties).not.toHaveProperty(provisionedOnly);
    }
  });

  it('starts the event source mappings only after the schema resource created their topic', () => {
    const [schema] = logicalIds(dev, 'AWS::CloudFormation::CustomResource');
    for (const template of [dev, prod]) {
      for (const mapping of resources(template, 'AWS::Lambda::EventSourceMapping'))
        expect(mapping.DependsOn).toContain(schema);
    }
  });

  it('migrates only once the database accepts connections: the proxy target in prod, the writer in dev', () => {
    const [targetGroup] = logicalIds(prod, 'AWS::RDS::DBProxyTargetGroup');
    expect(only(prod, 'AWS::CloudFormation::CustomResource').DependsOn).toContain(targetGroup);
    // The writer instance, which is created on the cluster.
    const [writer] = logicalIds(dev, 'AWS::RDS::DBInstance');
    expect(only(dev, 'AWS::CloudFormation::CustomResource').DependsOn).toContain(writer);
  });

  it('generates a secret per function database role, whose user is the role, and lists them in RDS Proxy', () => {
    for (const template of [dev, prod]) {
      const users = resources(template, 'AWS::SecretsManager::Secret').map((secret) => {
        const generated = secret.Properties?.GenerateSecretString as { SecretStringTemplate?: string };
        return JSON.parse(generated?.SecretStringTemplate ?? '{}').username;
      });
      expect(users.sort()).toEqual(['aspay_admin', ...DATABASE_ROLE_NAMES].sort());
    }
    const auth = only(prod, 'AWS::RDS::DBProxy').Properties?.Auth as unknown[];
    expect(auth).toHaveLength(DATABASE_ROLE_NAMES.length + 1);
  });

  it('gives the master user to the migrate function alone', () => {
    const [master] = logicalIds(dev, 'AWS::SecretsManager::SecretTargetAttachment');
    const withMaster = Object.entries(dev.findResources('AWS::Lambda::Function')).filter(
      ([, fn]) =>
        JSON.stringify(
          (fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables?.[
            ENV.databaseSecretArn
          ],
        ) === JSON.stringify({ Ref: master }),
    );
    expect(withMaster.map(([id]) => id)).toEqual([expect.stringMatching(/^MigrateFunction/)]);
  });

  it('names the RDS Proxy per stage and connects dev functions straight to the cluster', () => {
    prod.hasResourceProperties('AWS::RDS::DBProxy', { DBProxyName: 'aspay-prod' });
    dev.resourceCountIs('AWS::RDS::DBProxy', 0);
    const [cluster] = logicalIds(dev, 'AWS::RDS::DBCluster');
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV.databaseHost]: { 'Fn::GetAtt': [cluster, 'Endpoint.Address'] } }),
      },
    });
  });

  it('lets the MSK event source pollers reach the brokers and the Lambda and STS APIs', () => {
    const [brokers] = logicalIds(dev, 'AWS::EC2::SecurityGroup').filter((id) =>
      id.startsWith('StreamingBrokers'),
    );
    const self = { 'Fn::GetAtt': [brokers, 'GroupId'] };
    for (const template of [dev, prod]) {
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: self,
        SourceSecurityGroupId: self,
        FromPort: 9098,
        ToPort: 9098,
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: self,
        DestinationSecurityGroupId: self,
        FromPort: 9098,
        ToPort: 9098,
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: Match.arrayWith([Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443 })]),
      });
    }
  });

  it('grants the idempotent producer WriteDataIdempotently on the cluster, where MSK checks it', () => {
    const [, relay] = Object.entries(dev.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('OutboxRelay'),
    ) as [string, { Properties: { PolicyDocument: { Statement: unknown[] } } }];
    const [cluster] = logicalIds(dev, 'AWS::MSK::Cluster');
    expect(relay.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently']),
        Resource: { 'Fn::GetAtt': [cluster, 'Arn'] },
      }),
    );
  });

  it('owns the account API Gateway logging role, kept where the stage keeps its data, before the stage logs', () => {
    for (const [template, kept] of [
      [dev, false],
      [prod, true],
    ] as const) {
      const [account] = logicalIds(template, 'AWS::ApiGateway::Account');
      expect(only(template, 'AWS::ApiGateway::Account').DeletionPolicy).toBe(kept ? 'Retain' : 'Delete');
      const stage = only(template, 'AWS::ApiGateway::Stage');
      expect(stage.DependsOn).toContain(account);
      expect(stage.Properties?.MethodSettings).toEqual([
        expect.objectContaining({ LoggingLevel: 'ERROR', DataTraceEnabled: false }),
      ]);
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: {
          'Fn::Join': ['', ['API-Gateway-Execution-Logs_', Match.anyValue(), Match.anyValue()]],
        },
        RetentionInDays: Match.anyValue(),
      });
    }
  });

  it('egresses through one NAT instance and no interface endpoints in dev, NAT gateways per AZ in prod', () => {
    dev.resourceCountIs('AWS::EC2::NatGateway', 0);
    dev.resourceCountIs('AWS::EC2::Instance', 1);
    dev.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 2);
    prod.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
  });

  it('grants no wildcard action and no wildcard data resource', () => {
    for (const policy of resources(dev, 'AWS::IAM::Policy')) {
      const document = policy.Properties?.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown }[];
      };
      const statements = document.Statement;
      for (const statement of statements) {
        const actions = ([] as string[]).concat(statement.Action);
        expect(
          actions.some(
            (action) => action === '*' || /^(dynamodb|sqs|kafka-cluster|secretsmanager|rds):\*$/.test(action),
          ),
        ).toBe(false);
        // Only actions that accept nothing but "*" (tracing, network interfaces, log-group retention, broker discovery) may use it.
        if (statement.Resource === '*') {
          expect(
            actions.every((action) =>
              /^(xray|ec2):|^logs:(Put|Delete)RetentionPolicy$|^kafka:GetBootstrapBrokers$/.test(action),
            ),
          ).toBe(true);
        }
      }
    }
  });

  it('protects production data and keeps dev disposable', () => {
    prod.hasResourceProperties('AWS::RDS::DBCluster', {
      DeletionProtection: true,
      BackupRetentionPeriod: 30,
    });
    // Kept as a final snapshot: a kept cluster would keep its subnet group in the VPC the stack deletes.
    prod.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot' });
    dev.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: false });
    dev.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Delete' });
  });

  it('alarms on API 5xx, dead letters, relay lag and an open circuit breaker, and has a dashboard', () => {
    for (const metricName of [
      '5XXError',
      'ApproximateNumberOfMessagesVisible',
      'OutboxLagSeconds',
      'CircuitBreakerOpen',
    ]) {
      dev.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metricName });
    }
    dev.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('schedules the outbox relay and the retry sweep', () => {
    const rules = resources(dev, 'AWS::Events::Rule');
    expect(rules.map((rule) => rule.Properties?.ScheduleExpression)).toEqual([
      'rate(1 minute)',
      'rate(1 minute)',
    ]);
  });
});
