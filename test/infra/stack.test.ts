import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TABLE } from '../../lambdas/core/config/idempotency';
import { CONSUMERS, DEAD_LETTER_QUEUE } from '../../lambdas/core/config/messaging';
import { API_ROUTES } from '../../lambdas/core/config/routes';
import { templateFor } from './synth';

let dev: Template;
let prod: Template;

beforeAll(() => {
  dev = templateFor('dev');
  prod = templateFor('prod');
}, 300_000);

type Resource = { Type: string; Properties?: Record<string, unknown> };
const resources = (template: Template, type: string) =>
  Object.values(template.findResources(type)) as Resource[];

describe('the AWS stack', () => {
  it('runs every function on Node.js 24, ARM64, with X-Ray tracing', () => {
    const all = resources(dev, 'AWS::Lambda::Function');
    const ours = all.filter(
      (fn) =>
        (fn.Properties?.Environment as { Variables?: Record<string, string> })?.Variables
          ?.POWERTOOLS_SERVICE_NAME === 'aspay',
    );
    // 8 API functions (6 routes, the authorizer, the fallback), create-merchant, migrate, 2 scheduled, 3 consumers.
    expect(ours).toHaveLength(15);
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
      KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_TABLE.ttlAttribute, Enabled: true },
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

  it('runs the database in UTC behind an RDS Proxy that requires TLS', () => {
    dev.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: Match.objectLike({ timezone: 'UTC' }),
    });
    dev.hasResourceProperties('AWS::RDS::DBProxy', { RequireTLS: true });
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
        .map((method) => method.Properties?.HttpMethod),
    ).toEqual(['GET']);
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

  it('consumes payment-events with the shared settings and sends failures to the dead-letter queue', () => {
    const mappings = resources(dev, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(Object.keys(CONSUMERS).length);
    for (const consumer of Object.values(CONSUMERS)) {
      dev.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        Topics: [consumer.topic],
        BatchSize: consumer.batchSize,
        MaximumBatchingWindowInSeconds: consumer.maxBatchingWindowSeconds,
        StartingPosition: consumer.startingPosition,
        MaximumRetryAttempts: consumer.batchRetryAttempts,
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: consumer.groupId },
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    }
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
        // Only actions that accept nothing but "*" (tracing, network interfaces, log-group retention) may use it.
        if (statement.Resource === '*') {
          expect(
            actions.every((action) => /^(xray|ec2):|^logs:(Put|Delete)RetentionPolicy$/.test(action)),
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
    prod.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Retain' });
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

  it('schedules the outbox relay and the pending-payments sweeper', () => {
    const rules = resources(dev, 'AWS::Events::Rule');
    expect(rules.map((rule) => rule.Properties?.ScheduleExpression)).toEqual([
      'rate(1 minute)',
      'rate(1 minute)',
    ]);
  });
});
