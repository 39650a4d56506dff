import type { IntrinsicResolver } from './intrinsics';
import { type StackTemplate, targetOf } from './template';

/** Network interfaces placed by one resource: its security groups and the subnets they may sit in. */
export interface Placement {
  readonly securityGroups: readonly string[];
  readonly subnets: readonly string[];
}

interface Rule {
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr?: string;
  readonly securityGroup?: string;
  readonly prefixList?: string;
}

const ANYWHERE = '0.0.0.0/0';

function cidrRange(cidr: string): [number, number] {
  const [address, bits] = cidr.split('/');
  const value = address!.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(value / size) * size;
  return [start, start + size - 1];
}

const contains = (outer: string, inner: string) => {
  const [outerStart, outerEnd] = cidrRange(outer);
  const [innerStart, innerEnd] = cidrRange(inner);
  return outerStart <= innerStart && innerEnd <= outerEnd;
};

/**
 * A reachability model over a synthesised template's security groups, subnets, route tables, NAT gateways
 * and VPC endpoints. Security groups are stateful: a TCP connection opens when the source's groups allow it
 * out and the destination's groups allow it in; replies need no rule.
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
 */
export class NetworkModel {
  private readonly ingress = new Map<string, Rule[]>();
  private readonly egress = new Map<string, Rule[]>();

  constructor(
    private readonly template: StackTemplate,
    private readonly resolver: IntrinsicResolver,
  ) {
    for (const id of template.ofType('AWS::EC2::SecurityGroup')) {
      const props = template.resource(id).Properties ?? {};
      this.ingress.set(
        id,
        ((props.SecurityGroupIngress ?? []) as unknown[]).map((r) => this.rule(r, 'in')),
      );
      // Without SecurityGroupEgress, EC2 keeps its default allow-all outbound rule.
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html
      const outbound = (props.SecurityGroupEgress ?? [{ IpProtocol: '-1', CidrIp: ANYWHERE }]) as unknown[];
      this.egress.set(
        id,
        outbound.map((r) => this.rule(r, 'out')),
      );
    }
    for (const [type, rules, direction] of [
      ['AWS::EC2::SecurityGroupIngress', this.ingress, 'in'],
      ['AWS::EC2::SecurityGroupEgress', this.egress, 'out'],
    ] as const) {
      for (const id of template.ofType(type)) {
        const props = template.resource(id).Properties ?? {};
        const group = targetOf(props.GroupId);
        if (group) rules.get(group)?.push(this.rule(props, direction));
      }
    }
  }

  /** Whether a TCP connection on `port` opens from `source`'s interfaces to `destination`'s. */
  canReach(source: Placement, destination: Placement, port: number): boolean {
    const leaves = source.securityGroups.some((group) =>
      (this.egress.get(group) ?? []).some((rule) => this.matches(rule, port, destination)),
    );
    const enters = destination.securityGroups.some((group) =>
      (this.ingress.get(group) ?? []).some((rule) => this.matches(rule, port, source)),
    );
    return leaves && enters;
  }

  /**
   * Whether `source` can call an AWS service's regional HTTPS API: through an interface endpoint with private
   * DNS when the VPC has one (its DNS name then answers there), else through a gateway endpoint on every
   * subnet's route table, else out through a NAT gateway. `endpointOnly`: the caller cannot use NAT.
   * https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html
   */
  canReachService(source: Placement, service: string, options: { endpointOnly?: boolean } = {}): boolean {
    const endpoints = this.template.ofType('AWS::EC2::VPCEndpoint').map((id) => ({
      id,
      props: this.template.resource(id).Properties ?? {},
    }));
    const forService = endpoints.filter(({ props }) =>
      this.resolver.string(props.ServiceName).endsWith(`.${service}`),
    );
    const interfaceEndpoint = forService.find(
      ({ props }) => props.VpcEndpointType === 'Interface' && props.PrivateDnsEnabled === true,
    );
    if (interfaceEndpoint) {
      const endpoint = interfaceEndpoint.props;
      return this.canReach(
        source,
        {
          securityGroups: ((endpoint.SecurityGroupIds ?? []) as unknown[]).map((g) => targetOf(g)!),
          subnets: ((endpoint.SubnetIds ?? []) as unknown[]).map((s) => targetOf(s)!),
        },
        443,
      );
    }
    const gatewayEndpoint = forService.find(({ props }) => {
      const tables = ((props.RouteTableIds ?? []) as unknown[]).map((t) => targetOf(t));
      return (
        props.VpcEndpointType === 'Gateway' &&
        source.subnets.every((subnet) => tables.includes(this.routeTableOf(subnet)))
      );
    });
    if (gatewayEndpoint) return this.leaves(source, 443, { cidr: ANYWHERE, prefixList: true });
    if (options.endpointOnly) return false;
    return this.canReachInternet(source, 443);
  }

  /** Whether `source` reaches public addresses on `port`: allowed out, and every subnet routes to a NAT. */
  canReachInternet(source: Placement, port: number): boolean {
    return (
      this.leaves(source, port, { cidr: ANYWHERE }) &&
      source.subnets.length > 0 &&
      source.subnets.every((subnet) => this.routesToNat(subnet, source, port))
    );
  }

  /** Where an RDS proxy, an Aurora cluster or an MSK cluster places its network interfaces. */
  placementOf(logicalId: string): Placement {
    const { Type, Properties: props = {} } = this.template.resource(logicalId);
    const ids = (values: unknown) => ((values ?? []) as unknown[]).map((value) => targetOf(value)!);
    switch (Type) {
      case 'AWS::RDS::DBProxy':
        return { securityGroups: ids(props.VpcSecurityGroupIds), subnets: ids(props.VpcSubnetIds) };
      case 'AWS::RDS::DBCluster': {
        const subnetGroup = this.template.resource(targetOf(props.DBSubnetGroupName)!).Properties ?? {};
        return { securityGroups: ids(props.VpcSecurityGroupIds), subnets: ids(subnetGroup.SubnetIds) };
      }
      case 'AWS::MSK::Cluster': {
        const brokers = (props.BrokerNodeGroupInfo ?? {}) as Record<string, unknown>;
        return { securityGroups: ids(brokers.SecurityGroups), subnets: ids(brokers.ClientSubnets) };
      }
      case 'AWS::Lambda::Function': {
        const vpc = (props.VpcConfig ?? {}) as Record<string, unknown>;
        return { securityGroups: ids(vpc.SecurityGroupIds), subnets: ids(vpc.SubnetIds) };
      }
      default:
        throw new Error(`no network placement modelled for ${Type}`);
    }
  }

  private leaves(source: Placement, port: number, to: { cidr: string; prefixList?: boolean }): boolean {
    return source.securityGroups.some((group) =>
      (this.egress.get(group) ?? []).some(
        (rule) =>
          this.coversPort(rule, port) &&
          ((rule.cidr !== undefined && contains(rule.cidr, to.cidr)) ||
            (to.prefixList === true && rule.prefixList !== undefined)),
      ),
    );
  }

  private matches(rule: Rule, port: number, peer: Placement): boolean {
    if (!this.coversPort(rule, port)) return false;
    if (rule.securityGroup) return peer.securityGroups.includes(rule.securityGroup);
    if (rule.cidr === undefined || peer.subnets.length === 0) return false;
    return peer.subnets.every((subnet) => contains(rule.cidr!, this.cidrOf(subnet)));
  }

  private coversPort(rule: Rule, port: number): boolean {
    if (rule.protocol === '-1') return true;
    return (rule.protocol === 'tcp' || rule.protocol === '6') && rule.fromPort <= port && port <= rule.toPort;
  }

  private rule(raw: unknown, direction: 'in' | 'out'): Rule {
    const props = raw as Record<string, unknown>;
    const number = (value: unknown, fallback: number) =>
      value === undefined ? fallback : Number(this.resolver.resolve(value));
    const peerGroup = direction === 'in' ? props.SourceSecurityGroupId : props.DestinationSecurityGroupId;
    const prefixList = direction === 'in' ? props.SourcePrefixListId : props.DestinationPrefixListId;
    return {
      protocol: String(props.IpProtocol).toLowerCase(),
      fromPort: number(props.FromPort, 0),
      toPort: number(props.ToPort, 65535),
      ...(props.CidrIp !== undefined ? { cidr: this.resolver.string(props.CidrIp) } : {}),
      ...(peerGroup !== undefined ? { securityGroup: targetOf(peerGroup) ?? String(peerGroup) } : {}),
      ...(prefixList !== undefined ? { prefixList: String(this.resolver.resolve(prefixList)) } : {}),
    };
  }

  private cidrOf(subnet: string): string {
    return this.resolver.string(this.template.resource(subnet).Properties?.CidrBlock);
  }

  private routeTableOf(subnet: string): string | undefined {
    const association = this.template
      .ofType('AWS::EC2::SubnetRouteTableAssociation')
      .map((id) => this.template.resource(id).Properties ?? {})
      .find((props) => targetOf(props.SubnetId) === subnet);
    return association ? targetOf(association.RouteTableId) : undefined;
  }

  private defaultRoute(routeTable: string | undefined): Record<string, unknown> | undefined {
    return this.template
      .ofType('AWS::EC2::Route')
      .map((id) => this.template.resource(id).Properties ?? {})
      .find(
        (props) => targetOf(props.RouteTableId) === routeTable && props.DestinationCidrBlock === ANYWHERE,
      );
  }

  /**
   * A default route to a NAT: a NAT gateway, or a NAT instance (source/destination check off, a public
   * address, a security group that admits `source` on `port` and lets it out), in a subnet routed to an
   * internet gateway. https://docs.aws.amazon.com/vpc/latest/userguide/work-with-nat-instances.html
   */
  private routesToNat(subnet: string, source: Placement, port: number): boolean {
    const route = this.defaultRoute(this.routeTableOf(subnet));
    const gateway = targetOf(route?.NatGatewayId);
    if (gateway)
      return this.routesToInternetGateway(targetOf(this.template.resource(gateway).Properties?.SubnetId));
    const instance = targetOf(route?.InstanceId);
    if (!instance) return false;
    const props = this.template.resource(instance).Properties ?? {};
    const natSubnet = targetOf(props.SubnetId);
    const nat: Placement = {
      securityGroups: ((props.SecurityGroupIds ?? []) as unknown[]).map((group) => targetOf(group)!),
      subnets: natSubnet ? [natSubnet] : [],
    };
    const publicAddress =
      natSubnet !== undefined && this.template.resource(natSubnet).Properties?.MapPublicIpOnLaunch === true;
    const admitted = nat.securityGroups.some((group) =>
      (this.ingress.get(group) ?? []).some((rule) =>
        this.matches(rule, port, { securityGroups: source.securityGroups, subnets: [subnet] }),
      ),
    );
    return (
      props.SourceDestCheck === false &&
      publicAddress &&
      admitted &&
      this.leaves(nat, port, { cidr: ANYWHERE }) &&
      this.routesToInternetGateway(natSubnet)
    );
  }

  private routesToInternetGateway(subnet: string | undefined): boolean {
    if (subnet === undefined) return false;
    const upstream = targetOf(this.defaultRoute(this.routeTableOf(subnet))?.GatewayId);
    return upstream !== undefined && this.template.resource(upstream).Type === 'AWS::EC2::InternetGateway';
  }
}
