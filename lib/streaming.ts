import {
  aws_ec2 as ec2,
  Fn,
  aws_iam as iam,
  aws_kms as kms,
  aws_logs as logs,
  aws_msk as msk,
  Stack,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PAYMENT_EVENTS_TOPIC } from '../lambdas/core/config/messaging';
import type { StageConfig } from './stage-config';

/**
 * Amazon MSK, provisioned, Kafka 3.9 (the version the local stack runs), IAM authentication only, TLS in
 * transit and KMS at rest. Provisioned rather than MSK Serverless on cost: two kafka.t3.small brokers are
 * about USD 70 a month, while a Serverless cluster bills about USD 0.75 per cluster-hour (USD 540 a month)
 * before any traffic. Topics are created by the schema custom resource (`migrate`), with IAM.
 */
export class Streaming extends Construct {
  readonly cluster: msk.CfnCluster;
  readonly securityGroup: ec2.SecurityGroup;

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
    this.securityGroup = new ec2.SecurityGroup(this, 'Brokers', { vpc: props.vpc, allowAllOutbound: false });
    // 9098: the IAM (SASL/OAUTHBEARER) TLS listener.
    this.securityGroup.addIngressRule(props.clients, ec2.Port.tcp(9098), 'ASPay functions over IAM/TLS');
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
        storageInfo: { ebsStorageInfo: { volumeSize: 20 } },
      },
      clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
      encryptionInfo: {
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
        encryptionAtRest: { dataVolumeKmsKeyId: key.keyArn },
      },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
    });
  }

  /** Least-privilege Kafka data-plane rights on this cluster's payment-events topic and ASPay's groups. */
  grant(
    grantee: iam.IGrantable,
    access: { produce?: boolean; consumeAs?: string; createTopics?: boolean },
  ): void {
    const { account, region, partition } = Stack.of(this);
    // arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>: topic and group ARNs reuse its name and uuid.
    const [name, uuid] = [1, 2].map((index) => Fn.select(index, Fn.split('/', this.cluster.attrArn)));
    const base = `arn:${partition}:kafka:${region}:${account}`;
    const topic = `${base}:topic/${name}/${uuid}/${PAYMENT_EVENTS_TOPIC.name}`;
    const statements = [
      new iam.PolicyStatement({
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
        resources: [this.cluster.attrArn],
      }),
      new iam.PolicyStatement({
        actions: ['kafka:GetBootstrapBrokers', 'kafka:DescribeClusterV2'],
        resources: [this.cluster.attrArn],
      }),
    ];
    if (access.produce) {
      statements.push(
        new iam.PolicyStatement({
          actions: [
            'kafka-cluster:DescribeTopic',
            'kafka-cluster:WriteData',
            'kafka-cluster:WriteDataIdempotently',
          ],
          resources: [topic],
        }),
      );
    }
    if (access.consumeAs) {
      statements.push(
        new iam.PolicyStatement({
          actions: [
            'kafka-cluster:DescribeTopic',
            'kafka-cluster:ReadData',
            'kafka-cluster:DescribeClusterDynamicConfiguration',
          ],
          resources: [topic, this.cluster.attrArn],
        }),
        new iam.PolicyStatement({
          actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          resources: [`${base}:group/${name}/${uuid}/${access.consumeAs}`],
        }),
      );
    }
    if (access.createTopics) {
      statements.push(
        new iam.PolicyStatement({
          actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic'],
          resources: [topic],
        }),
      );
    }
    for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }
}
