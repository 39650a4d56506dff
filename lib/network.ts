import { aws_ec2 as ec2, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config';

/**
 * The VPC: private subnets for the Lambdas, Aurora and MSK. The bank's API and the merchants' webhooks are on
 * the public internet, so the private subnets egress through NAT: managed NAT gateways (one per AZ in prod) or,
 * where the stage accepts a single point of failure for egress, a NAT instance at a tenth of the price. DynamoDB
 * traffic stays off the NAT through a (free) gateway endpoint; SQS and Secrets Manager optionally through
 * interface endpoints.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly lambdaSecurityGroup: ec2.SecurityGroup;
  /** The NAT instances' provider when the stage uses NAT instances (cdk-nag acknowledgments target them). */
  readonly natInstances?: ec2.NatInstanceProviderV2;

  constructor(scope: Construct, id: string, props: { stage: StageConfig; logRetention: logs.RetentionDays }) {
    super(scope, id);
    const { stage } = props;
    if (stage.natProvider === 'instance') {
      this.natInstances = ec2.NatProvider.instanceV2({
        instanceType: new ec2.InstanceType(stage.natInstanceType),
        machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
        // Nothing on the internet may open connections through the instance; the VPC's hosts may.
        defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
      });
    }
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: stage.natCount,
      natGatewayProvider: this.natInstances ?? ec2.NatProvider.gateway(),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
    this.natInstances?.connections.allowFrom(
      ec2.Peer.ipv4(this.vpc.vpcCidrBlock),
      ec2.Port.allTraffic(),
      'egress of the private subnets',
    );
    this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    if (stage.interfaceEndpoints) {
      for (const [name, service] of [
        ['Sqs', ec2.InterfaceVpcEndpointAwsService.SQS],
        ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
      ] as const) {
        this.vpc.addInterfaceEndpoint(name, { service, privateDnsEnabled: true });
      }
    }
    this.lambdaSecurityGroup = new ec2.SecurityGroup(this, 'Functions', {
      vpc: this.vpc,
      description: 'ASPay Lambda functions',
      allowAllOutbound: true,
    });
  }
}
