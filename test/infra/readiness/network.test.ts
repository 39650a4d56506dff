import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/core/config/environment';
import { codeNeeds, type Destination, HANDLERS } from './support/code-needs';
import { environmentOf, functionOf } from './support/functions';
import { IntrinsicResolver } from './support/intrinsics';
import { NetworkModel, type Placement } from './support/network-model';
import { STAGES, type StackTemplate, synthesizeStages, targetOf } from './support/template';

let templates: Map<string, StackTemplate>;

beforeAll(() => {
  templates = synthesizeStages();
}, 300_000);

/** MSK's listener for IAM access control over TLS. https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html */
const MSK_IAM_PORT = 9098;
/** RDS Proxy listens on the engine's port: 5432 for PostgreSQL. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connecting.html */
const POSTGRES_PORT = 5432;

const label = (destination: Destination) =>
  typeof destination === 'string' ? destination : `the ${destination.service} API`;

describe.each(STAGES)('the %s stage, on its network', (stage) => {
  const modelOf = () => {
    const template = templates.get(stage)!;
    const resolver = new IntrinsicResolver(template);
    return { template, resolver, network: new NetworkModel(template, resolver) };
  };

  /** The database endpoint a function connects to: whatever its `ENV.databaseHost` names, a proxy or a cluster. */
  const databaseOf = (template: StackTemplate, functionId: string) => {
    const id = targetOf(environmentOf(template, functionId)[ENV.databaseHost]);
    if (!id) throw new Error(`${functionId} has no ${ENV.databaseHost} pointing at a stack resource`);
    return id;
  };
  const portOf = (template: StackTemplate, databaseId: string) =>
    template.resource(databaseId).Type === 'AWS::RDS::DBCluster'
      ? Number(template.resource(databaseId).Properties?.Port ?? POSTGRES_PORT)
      : POSTGRES_PORT;
  const clusterOf = (template: StackTemplate) => {
    const [cluster, ...others] = template.ofType('AWS::MSK::Cluster');
    if (!cluster || others.length > 0) throw new Error('expected one MSK cluster');
    return cluster;
  };

  it.each(HANDLERS)('lets %s open every connection its code opens', (handler) => {
    const { template, network } = modelOf();
    const functionId = functionOf(template, handler);
    const source = network.placementOf(functionId);
    const reaches = (destination: Destination): boolean => {
      if (destination === 'database') {
        const database = databaseOf(template, functionId);
        return network.canReach(source, network.placementOf(database), portOf(template, database));
      }
      if (destination === 'brokers')
        return network.canReach(source, network.placementOf(clusterOf(template)), MSK_IAM_PORT);
      if (destination === 'internet') return network.canReachInternet(source, 443);
      // A function URL answers on its public HTTPS endpoint only, never through a VPC endpoint.
      if (destination === 'functionUrl') return network.canReachInternet(source, 443);
      return network.canReachService(source, destination.service);
    };
    const unreachable = codeNeeds(handler)
      .reaches.filter((destination) => !reaches(destination))
      .map(label);
    expect({ unreachable }).toEqual({ unreachable: [] });
  });

  it("lets every RDS proxy the functions use reach its Aurora targets on the cluster's port", () => {
    const { template, network } = modelOf();
    const proxies = new Set(
      HANDLERS.filter((handler) => codeNeeds(handler).reaches.includes('database'))
        .map((handler) => databaseOf(template, functionOf(template, handler)))
        .filter((id) => template.resource(id).Type === 'AWS::RDS::DBProxy'),
    );
    for (const proxy of proxies) {
      const targets = template
        .ofType('AWS::RDS::DBProxyTargetGroup')
        .map((id) => template.resource(id).Properties ?? {})
        .filter((props) => targetOf(props.DBProxyName) === proxy)
        .flatMap((props) => ((props.DBClusterIdentifiers ?? []) as unknown[]).map((c) => targetOf(c)!));
      expect(targets, `targets of ${proxy}`).not.toHaveLength(0);
      for (const cluster of targets)
        expect(
          network.canReach(
            network.placementOf(proxy),
            network.placementOf(cluster),
            portOf(template, cluster),
          ),
          `${proxy} → ${cluster}`,
        ).toBe(true);
    }
  });

  describe('MSK event source mappings', () => {
    // The pollers' network interfaces use the MSK cluster's subnets and security groups, not the function's.
    // https://docs.aws.amazon.com/lambda/latest/dg/msk-esm-create.html
    const pollers = (template: StackTemplate, network: NetworkModel): Placement => {
      const mappings = template
        .ofType('AWS::Lambda::EventSourceMapping')
        .filter((id) => template.resource(id).Properties?.AmazonManagedKafkaEventSourceConfig !== undefined);
      expect(mappings).not.toHaveLength(0);
      return network.placementOf(clusterOf(template));
    };

    it('reach the brokers on the IAM listener', () => {
      const { template, network } = modelOf();
      const source = pollers(template, network);
      expect(network.canReach(source, network.placementOf(clusterOf(template)), MSK_IAM_PORT)).toBe(true);
    });

    // The pollers call the Lambda and STS APIs: through a NAT gateway or VPC endpoints for both.
    // https://docs.aws.amazon.com/lambda/latest/dg/with-msk-cluster-network.html
    it.each(['lambda', 'sts'])('reach the %s API on 443', (service) => {
      const { template, network } = modelOf();
      expect(network.canReachService(pollers(template, network), service)).toBe(true);
    });

    // "You must deploy a VPC endpoint for your on-failure destination service inside your MSK cluster VPC."
    // https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html
    it('reach their SQS on-failure destination, if they have one, through a VPC endpoint', () => {
      const { template, network } = modelOf();
      const mappings = template
        .ofType('AWS::Lambda::EventSourceMapping')
        .map((id) => template.resource(id).Properties ?? {});
      const sqsDestinations = mappings
        .map((props) => props.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
        .map((config) => targetOf(config?.OnFailure?.Destination))
        .filter((id) => id !== undefined && template.resource(id).Type === 'AWS::SQS::Queue');
      if (sqsDestinations.length === 0) {
        // On-demand pollers: no destination, and none of the error-handling controls that need provisioned mode.
        // https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
        for (const props of mappings) expect(props.ProvisionedPollerConfig).toBeUndefined();
        return;
      }
      expect(network.canReachService(pollers(template, network), 'sqs', { endpointOnly: true })).toBe(true);
    });
  });
});
