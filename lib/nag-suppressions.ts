import { type aws_lambda as lambda, type Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Api } from './api';
import type { Data } from './data';
import type { Network } from './network';
import type { StageConfig } from './stage-config';
import type { State } from './state';

/**
 * cdk-nag AwsSolutions findings ASPay accepts, each acknowledged on the construct it concerns (and so on
 * nothing else) with the reason it is acceptable.
 */
const managedPolicy = (policy: string, reason: string) => ({
  id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
  reason,
});

const LAMBDA_BASIC = managedPolicy(
  'AWSLambdaBasicExecutionRole',
  'AWSLambdaBasicExecutionRole is the AWS-maintained minimum for a function to write its logs.',
);

/** Acknowledgments on one ASPay function's role: what every function needs, and the DLQ's and Kafka's extras. */
export function acknowledgeFunction(
  fn: lambda.Function,
  uses: { deadLetters: boolean; kafkaEventSource: boolean },
): void {
  const role = fn.role!;
  Validations.of(role).acknowledge(
    LAMBDA_BASIC,
    managedPolicy(
      'AWSLambdaVPCAccessExecutionRole',
      'AWSLambdaVPCAccessExecutionRole is the AWS-maintained minimum for a function in a VPC to manage its network interfaces.',
    ),
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords and kafka:GetBootstrapBrokers support no resource-level permissions and accept only "*". No data resource is granted with a wildcard (test/infra asserts it).',
    },
  );
  if (uses.kafkaEventSource) {
    Validations.of(role).acknowledge(
      managedPolicy(
        'AWSLambdaMSKExecutionRole',
        'AWSLambdaMSKExecutionRole is the AWS-maintained minimum for an MSK event source mapping (brokers, network interfaces); Kafka data rights are granted on the topic and group.',
      ),
    );
  }
  if (uses.deadLetters) {
    Validations.of(role).acknowledge(
      ...['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} is how CDK grants sending to the KMS-encrypted dead-letter queue, scoped to that queue's key.`,
      })),
    );
  }
}

/** Acknowledgments on the stack's other constructs. */
export function acknowledgeInfrastructure(scope: {
  stack: Stack;
  stage: StageConfig;
  network: Network;
  data: Data;
  state: State;
  api: Api;
}): void {
  const { stack, stage, network, data, state, api } = scope;
  const on = (construct: IConstruct | undefined, ...rules: { id: string; reason: string }[]) => {
    if (construct) Validations.of(construct).acknowledge(...rules);
  };

  // CDK's singleton that sets the retention of Aurora's exported log groups.
  on(
    stack.node.children.find((child) => child.node.id.startsWith('LogRetention')),
    LAMBDA_BASIC,
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "CDK's log-retention helper sets the retention of log groups Aurora creates by name at runtime; logs:PutRetentionPolicy/DeleteRetentionPolicy are granted on '*'.",
    },
  );
  on(data.node.findChild('SchemaProvider'), LAMBDA_BASIC, {
    id: 'AwsSolutions-IAM5[Resource::<MigrateFunctionE2483A46.Arn>:*]',
    reason: 'The custom-resource provider framework may invoke any version of the schema function it fronts.',
  });
  if (!stage.retainData) {
    on(data.cluster, {
      id: 'AwsSolutions-RDS10',
      reason:
        'Deletion protection is on in stages that retain data (prod); this stage is meant to be torn down.',
    });
  }
  on(state.deadLetterQueue, {
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the dead-letter queue; it needs no dead-letter queue of its own.',
  });

  const vpcCidrIngress = {
    id: 'AwsSolutions-EC23',
    reason:
      'The group admits only the VPC CIDR (a token the rule cannot evaluate at synthesis); nothing is open to 0.0.0.0/0.',
  };
  for (const endpoint of ['Sqs', 'SecretsManager'])
    on(network.vpc.node.tryFindChild(endpoint)?.node.tryFindChild('SecurityGroup'), vpcCidrIngress);
  if (network.natInstances) {
    on(network.natInstances.securityGroup, vpcCidrIngress);
    for (const subnet of network.vpc.publicSubnets) {
      on(
        subnet.node.tryFindChild('NatInstance'),
        {
          id: 'AwsSolutions-EC26',
          reason: 'The NAT instance stores nothing: its root volume holds only the stock Amazon Linux image.',
        },
        {
          id: 'AwsSolutions-EC28',
          reason:
            'A disposable NAT instance of a non-production stage; basic monitoring is enough (detailed monitoring is billed).',
        },
        {
          id: 'AwsSolutions-EC29',
          reason:
            'The NAT instance holds no state and is replaced by redeploying; termination protection would block tearing the stage down.',
        },
      );
    }
  }

  on(
    api.restApi.node.tryFindChild('CloudWatchRole'),
    managedPolicy(
      'AmazonAPIGatewayPushToCloudWatchLogs',
      "AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy for the account's API Gateway logging role.",
    ),
  );
  on(api.restApi, {
    id: 'AwsSolutions-COG4',
    reason:
      'Merchants authenticate with API keys through a Lambda REQUEST authorizer, not Cognito user pools.',
  });
  on(api.restApi.node.defaultChild, {
    id: 'AwsSolutions-APIG2',
    reason:
      'Request bodies are validated in the handlers by the zod schemas that also generate the OpenAPI document (one source of truth), with field-level problem+json errors API Gateway validators cannot produce.',
  });
  if (!stage.waf)
    on(api.restApi.deploymentStage, {
      id: 'AwsSolutions-APIG3',
      reason:
        'This stage runs without the web ACL (`waf` false in cdk.json) to save its fixed monthly cost; throttling, the per-merchant limit and the authorizer are in place.',
    });
  for (const method of api.openMethods) {
    on(method, {
      id: 'AwsSolutions-APIG4',
      reason:
        'Intentionally public: GET /openapi.json (the API reference) or a fallback method, which only ever answers problem+json 404/405; every merchant route has the authorizer (test/infra asserts it).',
    });
  }
}
