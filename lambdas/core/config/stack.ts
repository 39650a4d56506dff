/** The CloudFormation stack of a stage (`cdk deploy -c stage=<stage>`): the CDK app names it, the CLI finds it. */
export function stackNameOf(stage: string): string {
  return `Aspay-${stage}`;
}
