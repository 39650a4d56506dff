/**
 * The AWS managed policies the stack attaches to its roles, copied from the AWS Managed Policy reference (the
 * default versions). A template only names them by ARN, so the IAM simulation needs their documents.
 */

const everywhere = (actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});

const AWS_MANAGED_POLICIES: Readonly<Record<string, object>> = {
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
  'service-role/AWSLambdaBasicExecutionRole': everywhere([
    'logs:CreateLogGroup',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
  ]),
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html (v3)
  'service-role/AWSLambdaVPCAccessExecutionRole': everywhere([
    'logs:CreateLogGroup',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ]),
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaMSKExecutionRole.html (v2)
  'service-role/AWSLambdaMSKExecutionRole': everywhere([
    'kafka:DescribeCluster',
    'kafka:DescribeClusterV2',
    'kafka:GetBootstrapBrokers',
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeVpcs',
    'ec2:DeleteNetworkInterface',
    'ec2:DescribeSubnets',
    'ec2:DescribeSecurityGroups',
    'logs:CreateLogGroup',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
  ]),
};

/** A managed policy ARN whose document is not in AWS_MANAGED_POLICIES. */
export class UnknownManagedPolicyError extends Error {
  constructor(arn: string) {
    super(`no document for managed policy ${arn}: add it from the AWS Managed Policy reference`);
    this.name = 'UnknownManagedPolicyError';
  }
}

export function managedPolicyDocument(arn: string): object {
  const name = arn.replace(/^arn:[^:]+:iam::aws:policy\//, '');
  const document = AWS_MANAGED_POLICIES[name];
  if (!document) throw new UnknownManagedPolicyError(arn);
  return document;
}
