import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_ROLES, databaseRoleOf } from '../../../lambdas/core/config/database-roles';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import { codeNeeds, HANDLERS, type Permission } from './support/code-needs';
import {
  eventSourceMappingNeeds,
  eventSourceMappingsOf,
  functionOf,
  type Grant,
  onTargets,
  roleOf,
  targetsOf,
} from './support/functions';
import { decide, resourcePolicies, rolePolicies } from './support/iam-simulation';
import { IntrinsicResolver } from './support/intrinsics';
import { ACCOUNT, REGION, STAGES, type StackTemplate, synthesizeStages } from './support/template';

let templates: Map<string, StackTemplate>;

beforeAll(() => {
  templates = synthesizeStages();
}, 300_000);

/**
 * What running any function needs, from its configuration: its log stream, its VPC network interfaces, X-Ray.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
 * https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
 */
function runtimeNeeds(template: StackTemplate, resolver: IntrinsicResolver, functionId: string): Grant[] {
  const props = template.resource(functionId).Properties ?? {};
  const logGroupRef = (props.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
  const logGroup = logGroupRef ? resolver.string(logGroupRef) : `/aws/lambda/${functionId}`;
  const logStream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}:log-stream:2026/01/01/[$LATEST]0a1b`;
  const grants: Grant[] = [
    { action: 'logs:CreateLogStream', resource: logStream },
    { action: 'logs:PutLogEvents', resource: logStream },
  ];
  if (props.VpcConfig) {
    const eni = `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/eni-0123456789abcdef0`;
    grants.push(
      { action: 'ec2:CreateNetworkInterface', resource: eni },
      { action: 'ec2:DeleteNetworkInterface', resource: eni },
      { action: 'ec2:DescribeNetworkInterfaces', resource: '*' },
    );
  }
  if ((props.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active')
    grants.push(
      { action: 'xray:PutTraceSegments', resource: '*' },
      { action: 'xray:PutTelemetryRecords', resource: '*' },
    );
  return grants;
}

/** Rights that only the functions whose code (or event source) needs them may hold. */
const EXCLUSIVE: readonly Permission[] = [
  { action: 'secretsmanager:GetSecretValue', on: 'databaseSecret' },
  { action: 'dynamodb:PutItem', on: 'coordinationTable' },
  { action: 'sqs:SendMessage', on: 'deadLetterQueue' },
  { action: 'kafka-cluster:WriteData', on: 'topic' },
  { action: 'kafka-cluster:ReadData', on: 'topic' },
  { action: 'kafka-cluster:CreateTopic', on: 'topic' },
  { action: 'kms:GenerateDataKey', on: 'webhookSecretsKey' },
  { action: 'kms:Decrypt', on: 'webhookSecretsKey' },
  { action: 'dynamodb:PutItem', on: 'sandboxBankTable' },
  // Calling the sandbox bank: the bank processor and the retry sweep only.
  {
    action: 'lambda:InvokeFunctionUrl',
    on: 'sandboxBank',
    context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
  },
  { action: 'lambda:InvokeFunction', on: 'sandboxBank', context: { 'lambda:InvokedViaFunctionUrl': 'true' } },
];

/** Rights no function needs: losing data or weakening the cluster must take a human. */
const NOBODY: readonly Permission[] = [
  { action: 'dynamodb:DeleteTable', on: 'coordinationTable' },
  { action: 'sqs:DeleteQueue', on: 'deadLetterQueue' },
  { action: 'kms:ScheduleKeyDeletion', on: 'deadLetterKey' },
  { action: 'kms:ScheduleKeyDeletion', on: 'webhookSecretsKey' },
  { action: 'kms:DisableKey', on: 'webhookSecretsKey' },
  { action: 'kms:Encrypt', on: 'webhookSecretsKey' },
  { action: 'secretsmanager:PutSecretValue', on: 'databaseSecret' },
  { action: 'kafka-cluster:DeleteTopic', on: 'topic' },
  { action: 'kafka-cluster:AlterCluster', on: 'cluster' },
  // The sandbox bank is called through its URL only, never invoked directly, and its books stay.
  { action: 'lambda:InvokeFunction', on: 'sandboxBank' },
  { action: 'dynamodb:DeleteTable', on: 'sandboxBankTable' },
];

const describeGrant = (grant: Grant) =>
  `${grant.action} on ${grant.resource}${grant.context ? ` with ${JSON.stringify(grant.context)}` : ''}`;

/** Every database user's secret in the template (RDS's format, generated around {"username": …}), by ARN. */
function databaseSecrets(template: StackTemplate, resolver: IntrinsicResolver): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const id of template.ofType('AWS::SecretsManager::Secret')) {
    const generated = template.resource(id).Properties?.GenerateSecretString as
      | { SecretStringTemplate?: string }
      | undefined;
    const user = generated?.SecretStringTemplate
      ? (JSON.parse(generated.SecretStringTemplate) as { username?: string }).username
      : undefined;
    if (user) secrets.set(resolver.string({ Ref: id }), user);
  }
  return secrets;
}

describe.each(STAGES)('the %s stage, simulated against AWS IAM', (stage) => {
  const of = (handler: string) => {
    const template = templates.get(stage)!;
    const resolver = new IntrinsicResolver(template);
    const functionId = functionOf(template, handler);
    const identity = rolePolicies(template, resolver, roleOf(template, functionId));
    const guards = resourcePolicies(template, resolver);
    const decideFor = (grant: Grant) =>
      decide(identity, grant.action, grant.resource, guards.get(grant.resource), grant.context);
    return { template, resolver, functionId, decideFor, targets: targetsOf(template, resolver, functionId) };
  };
  const refusedOf = async (decideFor: (grant: Grant) => Promise<string>, grants: readonly Grant[]) => {
    const refused: string[] = [];
    for (const grant of grants)
      if ((await decideFor(grant)) !== 'Allowed') refused.push(describeGrant(grant));
    return refused;
  };

  it('builds one function for every entry file in lambdas/functions', () => {
    const template = templates.get(stage)!;
    const functions = HANDLERS.map((handler) => functionOf(template, handler));
    expect(new Set(functions).size).toBe(HANDLERS.length);
  });

  it.each(HANDLERS)('allows %s every AWS call its code and its runtime make', async (handler) => {
    const { template, resolver, functionId, decideFor, targets } = of(handler);
    const needs = [
      ...onTargets(codeNeeds(handler).permissions, targets),
      ...runtimeNeeds(template, resolver, functionId),
    ];
    expect({ refused: await refusedOf(decideFor, needs) }).toEqual({ refused: [] });
  });

  it.each(Object.values(CONSUMERS).map((consumer) => consumer.handler))(
    "allows the MSK event source mapping of %s everything it does with the function's role",
    async (handler) => {
      const { template, resolver, functionId, decideFor } = of(handler);
      const mappings = eventSourceMappingsOf(template, functionId);
      expect(mappings).not.toHaveLength(0);
      const needs = mappings.flatMap((mapping) => eventSourceMappingNeeds(template, resolver, mapping));
      expect({ refused: await refusedOf(decideFor, needs) }).toEqual({ refused: [] });
    },
  );

  // Each function logs in as its own database role: reading another role's secret would let it act as that
  // role. Only the migrate function reads them all (it is the master user and sets the roles' passwords).
  it.each(HANDLERS)('lets %s read the database secret of its own role and no other', async (handler) => {
    const { template, resolver, decideFor } = of(handler);
    const secrets = databaseSecrets(template, resolver);
    expect(secrets.size).toBe(Object.keys(DATABASE_ROLES).length + 1);
    const readable: string[] = [];
    for (const [secret, user] of secrets)
      if ((await decideFor({ action: 'secretsmanager:GetSecretValue', resource: secret })) === 'Allowed')
        readable.push(user);
    const role = databaseRoleOf(handler);
    const expected = handler === 'migrate' ? [...secrets.values()] : role ? [DATABASE_ROLES[role].name] : [];
    expect(readable.sort()).toEqual(expected.sort());
  });

  it.each(HANDLERS)('denies %s what neither its code nor its event source needs', async (handler) => {
    const { template, resolver, functionId, decideFor, targets } = of(handler);
    const needed = new Set(
      [
        ...onTargets(codeNeeds(handler).permissions, targets),
        ...eventSourceMappingsOf(template, functionId).flatMap((m) =>
          eventSourceMappingNeeds(template, resolver, m),
        ),
      ].map(describeGrant),
    );
    // A function without a database secret (no database) is probed on the rest.
    const addressed = (permissions: readonly Permission[]) => permissions.filter((p) => targets[p.on]);
    const probes = [
      ...onTargets(addressed(EXCLUSIVE), targets).filter((grant) => !needed.has(describeGrant(grant))),
      ...onTargets(addressed(NOBODY), targets),
    ];
    const allowed: string[] = [];
    for (const probe of probes)
      if ((await decideFor(probe)) === 'Allowed') allowed.push(describeGrant(probe));
    expect({ allowed }).toEqual({ allowed: [] });
  });
});
