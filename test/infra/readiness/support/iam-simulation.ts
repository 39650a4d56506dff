import { isWildcardOnlyAction, runSimulation } from '@cloud-copilot/iam-simulate';
import type { IntrinsicResolver } from './intrinsics';
import { managedPolicyDocument } from './managed-policies';
import { ACCOUNT, type StackTemplate, targetOf } from './template';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** The simulator refused a request, e.g. an ARN of a resource type the action does not apply to. */
export class InvalidRequestError extends Error {
  constructor(action: string, resource: string, detail: unknown) {
    super(`cannot simulate ${action} on ${resource}: ${JSON.stringify(detail)}`);
    this.name = 'InvalidRequestError';
  }
}

/** Every identity policy attached to a role: its inline policies, AWS::IAM::Policy resources, managed policies. */
export function rolePolicies(
  template: StackTemplate,
  resolver: IntrinsicResolver,
  roleId: string,
): { name: string; policy: unknown }[] {
  const role = template.resource(roleId).Properties ?? {};
  const inline = ((role.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]).map((p) => ({
    name: p.PolicyName,
    policy: resolver.resolve(p.PolicyDocument),
  }));
  const attached = template
    .ofType('AWS::IAM::Policy')
    .filter((id) =>
      ((template.resource(id).Properties?.Roles ?? []) as unknown[]).some((r) => targetOf(r) === roleId),
    )
    .map((id) => ({ name: id, policy: resolver.resolve(template.resource(id).Properties?.PolicyDocument) }));
  const managed = ((role.ManagedPolicyArns ?? []) as unknown[]).map((arn) => {
    const resolved = resolver.string(arn);
    return { name: resolved, policy: managedPolicyDocument(resolved) };
  });
  return [...inline, ...attached, ...managed];
}

/**
 * The template's resource-based policies by the ARN of the resource they guard: KMS key policies (without
 * which no IAM policy can use a key), SQS queue policies and Secrets Manager secret policies.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
 */
export function resourcePolicies(template: StackTemplate, resolver: IntrinsicResolver): Map<string, unknown> {
  const policies = new Map<string, unknown>();
  for (const id of template.ofType('AWS::KMS::Key'))
    policies.set(resolver.getAtt(id, 'Arn'), resolver.resolve(template.resource(id).Properties?.KeyPolicy));
  for (const id of template.ofType('AWS::SQS::QueuePolicy')) {
    const props = template.resource(id).Properties ?? {};
    for (const queue of (props.Queues ?? []) as unknown[])
      policies.set(resolver.getAtt(targetOf(queue)!, 'Arn'), resolver.resolve(props.PolicyDocument));
  }
  for (const id of template.ofType('AWS::SecretsManager::ResourcePolicy')) {
    const props = template.resource(id).Properties ?? {};
    policies.set(resolver.string(props.SecretId), resolver.resolve(props.ResourcePolicy));
  }
  return policies;
}

/**
 * Asks the IAM policy simulator (@cloud-copilot/iam-simulate, built on AWS's service authorization data)
 * whether a role's identity policies allow `action` on `resource`. The simulator also checks that the
 * resource's ARN is of a type the action applies to, so a grant on the wrong resource type allows nothing.
 * Actions without resource-level permissions are authorized on "*" whatever the call names, so a grant
 * scoped to an ARN does not allow them.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
export async function decide(
  policies: { name: string; policy: unknown }[],
  action: string,
  named: string,
  resourcePolicy?: unknown,
  context: Readonly<Record<string, string>> = {},
): Promise<Decision> {
  const [service, name] = action.split(':') as [string, string];
  const resource = (await isWildcardOnlyAction(service, name)) ? '*' : named;
  const result = await runSimulation(
    {
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:role/function-role`,
        resource: { resource, accountId: ACCOUNT },
        // The SDKs call AWS over TLS, which the stack's aws:SecureTransport conditions demand.
        contextVariables: { 'aws:SecureTransport': 'true', ...context },
      },
    },
    {},
  );
  if (result.resultType === 'error') throw new InvalidRequestError(action, resource, result.errors);
  return result.overallResult as Decision;
}
