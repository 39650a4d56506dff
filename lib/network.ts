import { Annotations, Aws, Duration, aws_ec2 as ec2, Fn, aws_logs as logs, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config';

/** How long CloudFormation waits for a NAT instance's signal before failing its creation (and the deploy). */
const NAT_SIGNAL_TIMEOUT = Duration.minutes(10);
/** Installing the iptables service: attempts, and seconds between them. */
const NAT_INSTALL_ATTEMPTS = 10;
const NAT_INSTALL_RETRY_SECONDS = 15;

/**
 * A NAT instance's first-boot script, in place of the CDK's default (a single `yum install iptables-services`,
 * no retry, no signal), which fails on Amazon Linux 2023 when another dnf process holds the lock at boot
 * (aws/aws-cdk#36717) and leaves the private subnets without egress while the deploy carries on. The install is
 * retried; forwarding and masquerading are set as the CDK's default does; then cfn-signal reports the outcome
 * to the instance's creation policy, so a NAT that is not forwarding fails its own creation within
 * NAT_SIGNAL_TIMEOUT. cfn-signal needs no credentials:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/cfn-signal.html
 */
export function natInstanceUserData(instance: ec2.Instance): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  const logicalId = Stack.of(instance).getLogicalId(instance.instance);
  userData.addCommands(
    'configure_nat() {',
    `  for attempt in $(seq ${NAT_INSTALL_ATTEMPTS}); do`,
    // aws-cfn-bootstrap (cfn-signal) ships with Amazon Linux 2023; listing it makes sure of it.
    '    dnf install -y iptables-services aws-cfn-bootstrap && break',
    `    sleep ${NAT_INSTALL_RETRY_SECONDS}`,
    '  done',
    '  rpm -q iptables-services || return 1',
    '  echo "net.ipv4.ip_forward=1" > /etc/sysctl.d/custom-ip-forwarding.conf',
    '  sysctl -p /etc/sysctl.d/custom-ip-forwarding.conf || return 1',
    "  interface=$(ip route show default | awk '{print $5; exit}')",
    '  iptables -t nat -A POSTROUTING -o "$interface" -j MASQUERADE || return 1',
    '  iptables -F FORWARD || return 1',
    '  service iptables save || return 1',
    '  systemctl enable --now iptables',
    '}',
    'configure_nat',
    `/opt/aws/bin/cfn-signal --exit-code $? --stack ${Aws.STACK_NAME} --resource ${logicalId} --region ${Aws.REGION}`,
  );
  return userData;
}

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
      // Looked up once per account and region and kept in cdk.context.json (commit it): a new Amazon Linux
      // release does not replace the NAT instance at the next deploy. A synthesis without an account (no
      // credentials: `cdk synth` offline) cannot look it up and leaves it to CloudFormation, with a warning;
      // `cdk deploy` always has one.
      const { account, region } = Stack.of(this);
      const pinImage = !Token.isUnresolved(account) && !Token.isUnresolved(region);
      if (!pinImage)
        Annotations.of(this).addWarningV2(
          'aspay:natImageUnpinned',
          'no account or region: the NAT image is resolved by CloudFormation at each deploy, not pinned',
        );
      this.natInstances = ec2.NatProvider.instanceV2({
        instanceType: new ec2.InstanceType(stage.natInstanceType),
        machineImage: ec2.MachineImage.latestAmazonLinux2023({
          cpuType: ec2.AmazonLinuxCpuType.ARM_64,
          cachedInContext: pinImage,
        }),
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
    for (const instance of this.natInstances?.gatewayInstances ?? []) {
      instance.instance.userData = Fn.base64(natInstanceUserData(instance).render());
      instance.instance.cfnOptions.creationPolicy = {
        resourceSignal: { count: 1, timeout: NAT_SIGNAL_TIMEOUT.toIsoString() },
      };
    }
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
