import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../../lambdas/core/config/environment';
import { CONSUMER_PAYMENTS_IN_PARALLEL, PAYMENT_EVENTS_TOPIC } from '../../../lambdas/core/config/messaging';
import { AspayStack, ConcurrencyBudgetError } from '../../../lib/aspay-stack';
import { stageConfig } from '../../../lib/stage-config';
import { appFor } from '../synth';
import { environmentOf } from './support/functions';
import { IntrinsicResolver } from './support/intrinsics';
import { STAGES, type StackTemplate, stageSettings, synthesizeStages, targetOf } from './support/template';

let templates: Map<string, StackTemplate>;

beforeAll(() => {
  templates = synthesizeStages();
}, 300_000);

/**
 * "New AWS accounts have reduced concurrency and memory quotas" (as low as 10), against the default of 1,000:
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
const NEW_ACCOUNT_QUOTA = 10;
const DEFAULT_QUOTA = 1_000;
/** "You can reserve up to the Unreserved account concurrency value minus 100":
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html */
const UNRESERVED_MINIMUM = 100;
/** Headroom for reservations made outside this stack (other stacks, console changes), as a share of the quota. */
const MARGIN_SHARE = 0.05;
/** The stage a new user deploys first, into whatever account they have. */
const FIRST_STAGE = 'dev';

const reservationsOf = (template: StackTemplate) =>
  template
    .ofType('AWS::Lambda::Function')
    .map((id) => template.resource(id).Properties?.ReservedConcurrentExecutions)
    .filter((reserved) => reserved !== undefined)
    .map(Number);

/** Whether Lambda accepts these reservations in an account with `quota` concurrent executions. */
const fitsQuota = (reserved: number[], quota: number) => {
  const total = reserved.reduce((sum, each) => sum + each, 0);
  return total === 0 || total <= quota - UNRESERVED_MINIMUM;
};

describe('Lambda concurrency in a fresh account', () => {
  it.each([NEW_ACCOUNT_QUOTA, DEFAULT_QUOTA])(
    `lets the ${FIRST_STAGE} stage deploy into an account whose quota is %i`,
    (quota) => {
      expect(fitsQuota(reservationsOf(templates.get(FIRST_STAGE)!), quota)).toBe(true);
    },
  );

  it.each(STAGES)(
    'reserves in %s no more than the quota cdk.json states leaves after the unreserved 100 and a margin',
    (stage) => {
      const quota = Number(stageSettings(stage).lambdaConcurrencyQuota);
      const reserved = reservationsOf(templates.get(stage)!).reduce((sum, each) => sum + each, 0);
      const available = quota - UNRESERVED_MINIMUM - Math.ceil(quota * MARGIN_SHARE);
      expect(reserved === 0 || reserved <= available).toBe(true);
    },
  );

  // A reservation of 0 throttles every invocation: the function never runs.
  it.each(STAGES)('never reserves 0 concurrent executions in %s', (stage) => {
    expect(reservationsOf(templates.get(stage)!).filter((reserved) => reserved < 1)).toEqual([]);
  });

  const withSettings = (stage: string, settings: Record<string, unknown>) => () =>
    new AspayStack(new App(), 'Probe', { stage: { ...stageConfig(appFor(stage)), ...settings } });

  it.each(STAGES)(
    'refuses at synthesis reservations that a new account would refuse at deploy (%s)',
    (stage) => {
      const reserving = {
        reserveConcurrency: true,
        apiReservedConcurrency: 1,
        scheduledReservedConcurrency: 1,
      };
      expect(withSettings(stage, { ...reserving, lambdaConcurrencyQuota: NEW_ACCOUNT_QUOTA })).toThrow(
        ConcurrencyBudgetError,
      );
    },
  );

  it.each(['apiReservedConcurrency', 'scheduledReservedConcurrency'])(
    'refuses at synthesis a %s of 0',
    (setting) => {
      expect(
        withSettings('prod', {
          reserveConcurrency: true,
          lambdaConcurrencyQuota: DEFAULT_QUOTA,
          [setting]: 0,
        }),
      ).toThrow(ConcurrencyBudgetError);
    },
  );
});

const NAT_INSTANCE_STAGES = STAGES.filter((stage) => stageSettings(stage).natProvider === 'instance');

describe.each(NAT_INSTANCE_STAGES)('the %s stage NAT instances', (stage) => {
  const natInstances = (template: StackTemplate) => {
    const instances = template
      .ofType('AWS::EC2::Instance')
      .filter((id) => template.resource(id).Properties?.SourceDestCheck === false);
    expect(instances).toHaveLength(Number(stageSettings(stage).natCount));
    return instances;
  };

  // "CloudFormation … suspends work on the stack until the resource receives the required number of signals or
  // until the timeout period is exceeded." https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/cfn-signal.html
  it('each signal CloudFormation from their boot script, which fails their creation unless it configured NAT', () => {
    const template = templates.get(stage)!;
    const resolver = new IntrinsicResolver(template);
    for (const id of natInstances(template)) {
      const { CreationPolicy, Properties } = template.resource(id);
      expect(CreationPolicy?.ResourceSignal?.Count, id).toBe(1);
      expect(CreationPolicy?.ResourceSignal?.Timeout, id).toMatch(/^PT\d+M$/);
      const userData = Properties?.UserData as { 'Fn::Base64': unknown } | undefined;
      const script = resolver.string(userData?.['Fn::Base64']);
      // The signal carries the configuration's outcome, for this very instance.
      expect(script).toMatch(new RegExp(`cfn-signal --exit-code \\$\\? .*--resource ${id}\\b`));
      // The package install, which another dnf process can hold up at first boot, is retried.
      expect(script).toMatch(/for attempt in[\s\S]*dnf install[^\n]*iptables-services[\s\S]*done/);
    }
  });

  // An image resolved from an SSM parameter at each deploy replaces the instance when Amazon Linux releases one.
  it('boot an image pinned at synthesis, not one CloudFormation resolves anew at each deploy', () => {
    const template = templates.get(stage)!;
    for (const id of natInstances(template))
      expect(template.resource(id).Properties?.ImageId, id).toMatch(/^ami-[0-9a-f]+$/);
  });
});

/**
 * Aurora PostgreSQL's default max_connections is LEAST({DBInstanceClassMemory/9531392}, 5000):
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Managing.html . Aurora
 * Serverless v2 derives it from the memory of the maximum capacity (about 2 GiB per ACU) and caps it at 2,000
 * when the minimum is 0 or 0.5 ACU:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.max-connections
 */
function maxConnections(minimumAcu: number, maximumAcu: number): number {
  const byMemory = Math.floor((maximumAcu * 2 * 1024 ** 3) / 9_531_392);
  return Math.min(byMemory, 5_000, minimumAcu <= 0.5 ? 2_000 : 5_000);
}
/**
 * DBInstanceClassMemory is what the OS and RDS leave of the nominal memory (a 0.5–1 ACU instance reports 189
 * connections, not 225), and superusers keep a few slots: the functions may use this share.
 */
const USABLE_SHARE = 0.8;

describe.each(STAGES)('the %s stage database connections', (stage) => {
  /** Concurrent instances a function may run, and the connections each instance's pool may open. */
  const demandOf = (template: StackTemplate) => {
    const mappings = template.ofType('AWS::Lambda::EventSourceMapping').map((id) => template.resource(id));
    const rules = template.ofType('AWS::Events::Rule').map((id) => template.resource(id));
    return template
      .ofType('AWS::Lambda::Function')
      .filter((id) => environmentOf(template, id)[ENV.databaseSecretArn] !== undefined)
      .map((id) => {
        const props = template.resource(id).Properties ?? {};
        const pool = Number(
          environmentOf(template, id)[ENV.databasePoolSize] ?? CONSUMER_PAYMENTS_IN_PARALLEL,
        );
        const reserved = props.ReservedConcurrentExecutions;
        // Lambda reads each Kafka partition sequentially: one invocation per partition at most.
        // https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html
        const polled = mappings.filter((m) => targetOf(m.Properties?.FunctionName) === id).length;
        const scheduled = rules.find((rule) =>
          ((rule.Properties?.Targets ?? []) as { Arn?: unknown }[]).some((t) => targetOf(t.Arn) === id),
        );
        const tickMinutes = Number(
          /rate\((\d+) minute/.exec(String(scheduled?.Properties?.ScheduleExpression))?.[1],
        );
        // An API function without a reservation runs as many instances as the account lets it.
        const invokedByApi = template
          .ofType('AWS::Lambda::Permission')
          .some(
            (permission) =>
              targetOf(template.resource(permission).Properties?.FunctionName) === id &&
              template.resource(permission).Properties?.Principal === 'apigateway.amazonaws.com',
          );
        const expected =
          polled > 0
            ? polled * PAYMENT_EVENTS_TOPIC.partitions
            : scheduled
              ? Math.ceil(Number(props.Timeout) / (tickMinutes * 60))
              : invokedByApi
                ? Number.POSITIVE_INFINITY
                : 1;
        return { id, pool, concurrency: reserved === undefined ? expected : Number(reserved) };
      });
  };

  /** The most connections the functions can hold at once: the account's quota bounds their instances together. */
  const peakConnections = (template: StackTemplate, quota: number) => {
    let instancesLeft = quota;
    let connections = 0;
    for (const { pool, concurrency } of demandOf(template).sort((a, b) => b.pool - a.pool)) {
      const instances = Math.min(concurrency, instancesLeft);
      connections += instances * pool;
      instancesLeft -= instances;
    }
    return connections;
  };

  it("fits what its functions can open in the writer's max_connections, directly or through RDS Proxy", () => {
    const template = templates.get(stage)!;
    const settings = stageSettings(stage);
    const [cluster] = template.ofType('AWS::RDS::DBCluster');
    const scaling = template.resource(cluster!).Properties?.ServerlessV2ScalingConfiguration as {
      MinCapacity: number;
      MaxCapacity: number;
    };
    // Through RDS Proxy the functions share what the proxy may open: MaxConnectionsPercent of max_connections.
    // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy-connections.html
    const proxyTargets = template.ofType('AWS::RDS::DBProxyTargetGroup').map((id) => template.resource(id));
    const proxyShare =
      proxyTargets.length === 0
        ? 1
        : Number(
            (
              proxyTargets[0]!.Properties?.ConnectionPoolConfigurationInfo as {
                MaxConnectionsPercent?: number;
              }
            )?.MaxConnectionsPercent ?? 100,
          ) / 100;
    const budget = Math.floor(
      maxConnections(scaling.MinCapacity, scaling.MaxCapacity) * USABLE_SHARE * proxyShare,
    );
    const peak = peakConnections(template, Number(settings.lambdaConcurrencyQuota));
    expect({ peak, budget, fits: peak <= budget }).toMatchObject({ fits: true });
  });
});

describe.each(STAGES)('the %s stage metrics and alarms', (stage) => {
  /** The dimensions a metric a function publishes carries in this stage (Powertools EMF). */
  const publishedDimensions = async () => {
    vi.stubEnv(ENV.stage, stage);
    vi.resetModules();
    try {
      const { metrics } = await import('../../../lambdas/core/observability');
      metrics.addMetric('Probe', 'Count', 1);
      const emf = metrics.serializeMetrics() as unknown as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
      };
      const [directive] = emf._aws.CloudWatchMetrics;
      metrics.clearMetrics();
      const dimensions = Object.fromEntries(
        directive!.Dimensions[0]!.map((name) => [name, String(emf[name])]),
      );
      // Published in this stage, a metric says so.
      expect(dimensions, 'dimensions the functions publish').toMatchObject({ stage });
      return { namespace: directive!.Namespace, dimensions };
    } finally {
      vi.unstubAllEnvs();
    }
  };

  // CloudWatch matches a metric on its namespace, name and whole set of dimensions:
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension
  it("has every alarm on the functions' own metrics read this stage's samples only, as the functions publish them", async () => {
    const template = templates.get(stage)!;
    const resolver = new IntrinsicResolver(template);
    const published = await publishedDimensions();
    const custom = template
      .ofType('AWS::CloudWatch::Alarm')
      .map((id) => template.resource(id).Properties ?? {})
      .filter((props) => props.Namespace === published.namespace);
    expect(custom).not.toHaveLength(0);
    for (const props of custom) {
      const dimensions = Object.fromEntries(
        ((props.Dimensions ?? []) as { Name: string; Value: unknown }[]).map((d) => [
          d.Name,
          resolver.string(d.Value),
        ]),
      );
      expect({ metric: props.MetricName, dimensions }).toEqual({
        metric: props.MetricName,
        dimensions: published.dimensions,
      });
    }
  });

  it("has the dashboard graph this stage's samples only", async () => {
    const template = templates.get(stage)!;
    const published = await publishedDimensions();
    // The body is JSON joined around references (alarm ARNs, queue names), which all sit inside strings.
    const literal = (value: unknown) => {
      const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return parts.map((part) => (typeof part === 'string' ? part : 'reference')).join(separator);
    };
    for (const id of template.ofType('AWS::CloudWatch::Dashboard')) {
      const body = JSON.parse(literal(template.resource(id).Properties?.DashboardBody)) as {
        widgets: { properties: { metrics?: (string | Record<string, unknown>)[][] } }[];
      };
      const lines = body.widgets
        .flatMap((widget) => widget.properties.metrics ?? [])
        .filter((line) => line[0] === published.namespace);
      expect(lines).not.toHaveLength(0);
      for (const line of lines) {
        const pairs = line.slice(2).filter((part): part is string => typeof part === 'string');
        const dimensions = Object.fromEntries(
          pairs.flatMap((part, index) => (index % 2 === 0 ? [[part, pairs[index + 1]]] : [])),
        );
        expect({ metric: line[1], dimensions }).toEqual({
          metric: line[1],
          dimensions: published.dimensions,
        });
      }
    }
  });
});
