import { aws_iam as iam, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * What the receipts function may do in SES: SendEmail from `from`, authorized on its sending identity, the
 * address itself or its domain, whichever the operator verified, and nothing else
 * (https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html; identity ARNs:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsesv2.html).
 */
export function receiptsSendingStatement(scope: Construct, from: string): iam.PolicyStatement {
  const domain = from.slice(from.lastIndexOf('@') + 1);
  return new iam.PolicyStatement({
    actions: ['ses:SendEmail'],
    resources: [from, domain].map((identity) =>
      Stack.of(scope).formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
    ),
  });
}
