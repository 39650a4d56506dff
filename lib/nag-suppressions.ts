import { type Stack, Validations } from 'aws-cdk-lib';
import type { StageConfig } from './stage-config';

/** cdk-nag AwsSolutions findings ASPay accepts, each with the reason it is acceptable. */
const ACCEPTED: { id: string; reason: string }[] = [
  ...['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole', 'AWSLambdaMSKExecutionRole'].map(
    (policy) => ({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
      reason: `${policy} is the AWS-maintained minimum for a Lambda's logs, VPC network interfaces or MSK event source; data access is granted per function on named resources.`,
    }),
  ),
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray PutTraceSegments/PutTelemetryRecords and VPC network-interface actions accept only "*". No data resource is granted with a wildcard (test/infra asserts it).',
  },
  ...['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action) => ({
    id: `AwsSolutions-IAM5[Action::${action}]`,
    reason: `${action} is how CDK grants sending to the KMS-encrypted dead-letter queue, scoped to that queue's key.`,
  })),
  {
    id: 'AwsSolutions-IAM5[Resource::<MigrateFunctionE2483A46.Arn>:*]',
    reason: 'The custom-resource provider framework may invoke any version of the schema function it fronts.',
  },
  {
    id: 'AwsSolutions-COG4',
    reason:
      'Merchants authenticate with API keys through a Lambda REQUEST authorizer, not Cognito user pools.',
  },
  {
    id: 'AwsSolutions-APIG4',
    reason:
      'Unauthenticated methods are intentional: GET /openapi.json (public API reference) and the fallback methods, which only ever answer problem+json 404/405; every merchant route has the authorizer (test/infra asserts it).',
  },
  {
    id: 'AwsSolutions-APIG2',
    reason:
      'Request bodies are validated in the handlers by the zod schemas that also generate the OpenAPI document (one source of truth), with field-level problem+json errors API Gateway validators cannot produce.',
  },
  {
    id: 'AwsSolutions-APIG3',
    reason:
      'A WAFv2 web ACL is account-specific (managed rule sets, IP reputation, cost); operators attach their own. Throttling and the authorizer are in place.',
  },
  {
    id: 'AwsSolutions-APIG6',
    reason:
      'Execution logging needs an account-wide API Gateway CloudWatch role that this stack must not own; JSON access logs with retention are enabled on the stage.',
  },
  {
    id: 'AwsSolutions-EC23',
    reason:
      "The interface endpoints' security groups allow HTTPS from the VPC CIDR, a token the rule cannot evaluate at synthesis; nothing is open to 0.0.0.0/0.",
  },
  {
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the dead-letter queue; it needs no dead-letter queue of its own.',
  },
];

export function suppressWithReasons(stack: Stack, stage: StageConfig): void {
  Validations.of(stack).acknowledge(...ACCEPTED);
  if (!stage.retainData) {
    Validations.of(stack).acknowledge({
      id: 'AwsSolutions-RDS10',
      reason:
        'Deletion protection is on in stages that retain data (prod); dev stacks are meant to be torn down.',
    });
  }
}
