import {
  aws_ec2 as ec2,
  Fn,
  aws_iam as iam,
  aws_kms as kms,
  aws_logs as logs,
  aws_msk as msk,
  Stack,
} from 'aws-cdk-lib';
import type { KafkaEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { PAYMENT_EVENTS_TOPIC } from '../lambdas/core/config/messaging';
import type { StageConfig } from './stage-config';

/**
 * Amazon MSK, provisioned, Kafka 3.9 (the version the local stack runs), IAM authentication only, TLS in
 * transit and KMS at rest. Provisioned rather than MSK Serverless on cost: two kafka.t3.small brokers are
 * about USD 70 a month, while a Serverless cluster bills about USD 0.75 per cluster-hour (USD 540 a month)
 * before any traffic. Topics are created by the schema custom resource (`migrate`), with IAM.
 *
 * The event source mappings poll the brokers from network interfaces Lambda places in the brokers' subnets
 * with the brokers' security group, so that group admits itself on the IAM listener and may reach itself and
 * AWS APIs (Lambda and STS, through NAT, for on-demand pollers):
 * https://docs.aws.amazon.com/lambda/latest/dg/with-msk-cluster-network.html
 */
export class Streaming extends Construct {
  readonly cluster: msk.CfnCluster;
  readonly securityGroup: ec2.SecurityGroup;
  private readonly stage: StageConfig;

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
    this.stage = props.stage;
    this.securityGroup = new ec2.SecurityGroup(this, 'Brokers', { vpc: props.vpc, allowAllOutbound: false });
    // 9098: the IAM (SASL/OAUTHBEARER) TLS listener.
    const iamListener = ec2.Port.tcp(9098);
    this.securityGroup.addIngressRule(props.clients, iamListener, 'ASPay functions over IAM/TLS');
    this.securityGroup.addIngressRule(this.securityGroup, iamListener, 'event source mapping pollers');
    this.securityGroup.addEgressRule(this.securityGroup, iamListener, 'event source mapping pollers');
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'pollers to the Lambda and STS APIs',
    );
    const subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
    const key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'ASPay Kafka storage' });
    const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', { retention: props.logRetention });
    this.cluster = new msk.CfnCluster(this, 'Cluster', {
      clusterName: `aspay-${props.stage.name}`,
      kafkaVersion: '3.9.x',
      numberOfBrokerNodes: subnets.length * props.stage.kafkaBrokersPerAz,
      brokerNodeGroupInfo: {
        instanceType: props.stage.kafkaBrokerType,
        clientSubnets: subnets,
        securityGroups: [this.securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: props.stage.kafkaVolumeGiB } },
      },
      clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
      encryptionInfo: {
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
        encryptionAtRest: { dataVolumeKmsKeyId: key.keyArn },
      },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
    });
  }

  /**
   * How an event source mapping on this cluster gets its pollers. Provisioned pollers are what allow the
   * error-handling controls (retries, bisect, on-failure destination):
   * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html; the stage's mappings share
   * one poller group, so small minimums share one Event Poller Unit instead of one each:
   * https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html. On-demand pollers cost
   * nothing while idle and take none of those controls: a batch whose invocation fails is retried until it
   * succeeds (records are never discarded, the partition waits), while the consumers still sideline poison
   * pills to the dead-letter queue themselves.
   */
  pollers(): Partial<KafkaEventSourceProps> {
    if (this.stage.kafkaPollerMode === 'provisioned') {
      return {
        provisionedPollerConfig: {
          minimumPollers: this.stage.kafkaMinimumPollers,
          maximumPollers: this.stage.kafkaMaximumPollers,
          pollerGroupName: `aspay-${this.stage.name}-consumers`,
        },
      };
    }
    return { retryAttempts: undefined, bisectBatchOnError: undefined, onFailure: undefined };
  }

  /**
   * Least-privilege Kafka data-plane rights on this cluster's payment-events topic and ASPay's groups, each
   * action on the resource type MSK evaluates it against:
   * https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
   */
  grant(
    grantee: iam.IGrantable,
    access: { produce?: boolean; consumeAs?: string; createTopics?: boolean },
  ): void {
    const { account, region, partition } = Stack.of(this);
    // arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>: topic and group ARNs reuse its name and uuid.
    const [name, uuid] = [1, 2].map((index) => Fn.select(index, Fn.split('/', this.cluster.attrArn)));
    const base = `arn:${partition}:kafka:${region}:${account}`;
    const topic = `${base}:topic/${name}/${uuid}/${PAYMENT_EVENTS_TOPIC.name}`;
    const cluster = this.cluster.attrArn;
    const onCluster = ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'];
    const onTopic: string[] = [];
    if (access.produce) {
      onTopic.push('kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData');
      // The relay's producer is idempotent; MSK checks WriteDataIdempotently on the cluster, not the topic.
      onCluster.push('kafka-cluster:WriteDataIdempotently');
    }
    if (access.consumeAs) {
      onTopic.push('kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData');
      // Listed for MSK event source mappings: https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html
      onCluster.push('kafka-cluster:DescribeClusterDynamicConfiguration');
    }
    if (access.createTopics) onTopic.push('kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic');
    const statements = [
      new iam.PolicyStatement({ actions: [...new Set(onCluster)], resources: [cluster] }),
      new iam.PolicyStatement({ actions: ['kafka:DescribeClusterV2'], resources: [cluster] }),
      // GetBootstrapBrokers supports no resource-level permissions, so IAM evaluates it against "*" only:
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmanagedstreamingforapachekafka.html
      new iam.PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: ['*'] }),
    ];
    if (onTopic.length > 0)
      statements.push(new iam.PolicyStatement({ actions: [...new Set(onTopic)], resources: [topic] }));
    if (access.consumeAs) {
      statements.push(
        new iam.PolicyStatement({
          actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          resources: [`${base}:group/${name}/${uuid}/${access.consumeAs}`],
        }),
      );
    }
    for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }
}
