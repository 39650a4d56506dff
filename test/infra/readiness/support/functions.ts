import { ENV } from '../../../../lambdas/core/config/environment';
import { PAYMENT_EVENTS_TOPIC } from '../../../../lambdas/core/config/messaging';
import type { Permission, Target } from './code-needs';
import type { IntrinsicResolver } from './intrinsics';
import { ACCOUNT, REGION, type StackTemplate, targetOf } from './template';

const pascalCase = (handler: string) =>
  handler.replace(/(^|-)(\w)/g, (_, _dash, letter: string) => letter.toUpperCase());

/** The Lambda function built from `lambdas/functions/<handler>.ts`: its logical id is `<Handler>Function…`. */
export function functionOf(template: StackTemplate, handler: string): string {
  const prefix = `${pascalCase(handler)}Function`;
  const matches = template
    .ofType('AWS::Lambda::Function')
    .filter((id) => id.startsWith(prefix) && /^[0-9A-F]{8}$/.test(id.slice(prefix.length)));
  if (matches.length !== 1)
    throw new Error(`expected one function for ${handler}, found ${matches.join(', ')}`);
  return matches[0]!;
}

export function environmentOf(template: StackTemplate, functionId: string): Record<string, unknown> {
  const environment = template.resource(functionId).Properties?.Environment as
    | { Variables?: Record<string, unknown> }
    | undefined;
  return environment?.Variables ?? {};
}

export function roleOf(template: StackTemplate, functionId: string): string {
  return targetOf(template.resource(functionId).Properties?.Role)!;
}

/**
 * The concrete ARN of each resource a function addresses through its environment; topic ARNs reuse the
 * cluster's name and uuid: arn:aws:kafka:<region>:<account>:topic/<cluster>/<uuid>/<topic>.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_apachekafkaapisforamazonmskclusters.html
 */
export function targetsOf(
  template: StackTemplate,
  resolver: IntrinsicResolver,
  functionId: string,
): Partial<Record<Target, string | string[]>> {
  const environment = environmentOf(template, functionId);
  const arnOf = (variable: string) => {
    const id = targetOf(environment[variable]);
    return id ? resolver.getAtt(id, 'Arn') : undefined;
  };
  const queue = targetOf(environment[ENV.deadLetterQueueUrl]);
  const key = queue ? template.resource(queue).Properties?.KmsMasterKeyId : undefined;
  const cluster = environment[ENV.mskClusterArn]
    ? resolver.string(environment[ENV.mskClusterArn])
    : undefined;
  const targets: Partial<Record<Target, string | string[]>> = {
    databaseSecret: environment[ENV.databaseSecretArn]
      ? resolver.string(environment[ENV.databaseSecretArn])
      : undefined,
    databaseRoleSecrets: environment[ENV.databaseRoleSecretArns]
      ? resolver.string(environment[ENV.databaseRoleSecretArns]).split(',')
      : undefined,
    coordinationTable: arnOf(ENV.coordinationTable),
    deadLetterQueue: arnOf(ENV.deadLetterQueueUrl),
    deadLetterKey: key ? resolver.string(key) : undefined,
    webhookSecretsKey: environment[ENV.webhookSecretsKeyId]
      ? resolver.string(environment[ENV.webhookSecretsKeyId])
      : undefined,
    cluster,
    topic: cluster ? kafkaArn(cluster, 'topic', PAYMENT_EVENTS_TOPIC.name) : undefined,
    // The stack's own: every function is probed on them, whether it addresses them or not.
    ...sandboxBankOf(template, resolver),
  };
  return Object.fromEntries(Object.entries(targets).filter(([, arn]) => arn !== undefined));
}

/**
 * The in-stack sandbox bank: the function behind the stack's function URL, and the table in its environment.
 */
export function sandboxBankOf(
  template: StackTemplate,
  resolver: IntrinsicResolver,
): { sandboxBank?: string; sandboxBankTable?: string } {
  const urls = template.ofType('AWS::Lambda::Url');
  if (urls.length === 0) return {};
  if (urls.length > 1) throw new Error(`expected one function URL, found ${urls.join(', ')}`);
  const server = targetOf(template.resource(urls[0]!).Properties?.TargetFunctionArn)!;
  const table = targetOf(environmentOf(template, server)[ENV.sandboxBankTable]);
  return {
    sandboxBank: resolver.getAtt(server, 'Arn'),
    ...(table ? { sandboxBankTable: resolver.getAtt(table, 'Arn') } : {}),
  };
}

/** A topic or group ARN in the cluster whose ARN is `clusterArn`. */
function kafkaArn(clusterArn: string, kind: 'topic' | 'group', name: string): string {
  return `${clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
}

/** A permission on a concrete resource ARN, with the request's condition keys. */
export interface Grant {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

export const onTargets = (
  permissions: readonly Permission[],
  targets: Partial<Record<Target, string | string[]>>,
) =>
  permissions.flatMap((permission): Grant[] => {
    const resources = targets[permission.on];
    if (!resources)
      throw new Error(`no ${permission.on} in the function's environment for ${permission.action}`);
    return ([] as string[]).concat(resources).map((resource) => ({
      action: permission.action,
      resource,
      ...(permission.context ? { context: permission.context } : {}),
    }));
  });

/** The event source mappings that invoke a function. */
export function eventSourceMappingsOf(template: StackTemplate, functionId: string): string[] {
  return template
    .ofType('AWS::Lambda::EventSourceMapping')
    .filter((id) => targetOf(template.resource(id).Properties?.FunctionName) === functionId);
}

/**
 * What an MSK event source mapping does with its function's execution role: read the cluster (MSK API),
 * manage its network interfaces, consume with IAM auth, and send discarded batches to its destination.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html
 */
export function eventSourceMappingNeeds(
  template: StackTemplate,
  resolver: IntrinsicResolver,
  mappingId: string,
): Grant[] {
  const props = template.resource(mappingId).Properties ?? {};
  const cluster = resolver.string(props.EventSourceArn);
  const group = (props.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId?: unknown } | undefined)
    ?.ConsumerGroupId;
  const networkInterface = `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/eni-0123456789abcdef0`;
  const grants: Grant[] = [
    ...['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'].map((action) => ({
      action,
      resource: cluster,
    })),
    { action: 'ec2:CreateNetworkInterface', resource: networkInterface },
    { action: 'ec2:DeleteNetworkInterface', resource: networkInterface },
    ...[
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeVpcs',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
    ].map((action) => ({ action, resource: '*' })),
    ...['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'].map((action) => ({
      action,
      resource: cluster,
    })),
    ...((props.Topics ?? []) as string[]).flatMap((topic) =>
      ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'].map((action) => ({
        action,
        resource: kafkaArn(cluster, 'topic', topic),
      })),
    ),
  ];
  if (group) {
    const groupArn = kafkaArn(cluster, 'group', resolver.string(group));
    grants.push(
      { action: 'kafka-cluster:DescribeGroup', resource: groupArn },
      { action: 'kafka-cluster:AlterGroup', resource: groupArn },
    );
  }
  const destination = (props.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
    ?.OnFailure?.Destination;
  const queue = targetOf(destination);
  if (queue && template.resource(queue).Type === 'AWS::SQS::Queue') {
    grants.push({ action: 'sqs:SendMessage', resource: resolver.string(destination) });
    // An SQS destination encrypted with a customer managed key also needs kms:Decrypt and kms:GenerateDataKey.
    const key = template.resource(queue).Properties?.KmsMasterKeyId;
    if (key)
      for (const action of ['kms:Decrypt', 'kms:GenerateDataKey'])
        grants.push({ action, resource: resolver.string(key) });
  }
  return grants;
}

const isCustomResource = (type: string) =>
  type === 'AWS::CloudFormation::CustomResource' || type.startsWith('Custom::');

/** The schema custom resource (migrations and topics): the one custom resource the migrate function serves. */
export function schemaResourceOf(template: StackTemplate): { schema: string; migrate: string } {
  const migrate = functionOf(template, 'migrate');
  const schemas = Object.keys(template.resources).filter(
    (id) => isCustomResource(template.resource(id).Type) && template.dependsOn(id, migrate),
  );
  if (schemas.length !== 1) throw new Error(`expected one schema resource, found ${schemas.join(', ')}`);
  return { schema: schemas[0]!, migrate };
}
