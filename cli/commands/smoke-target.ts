import { existsSync, readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { stackNameOf } from '../../lambdas/core/config/stack';
import { localStackEndpoints, UsageError } from '../context';

/** The API a smoke test runs against, and where its URL came from (printed, so a user sees which one). */
export interface SmokeTarget {
  readonly apiUrl: string;
  readonly from: string;
}

export interface TargetFlags {
  readonly apiUrl?: string;
  readonly stage?: string;
  /** The JSON `cdk deploy --outputs-file` wrote: stack name → output name → value. */
  readonly outputsFile?: string;
}

/** The stack output holding the API's URL (lib/aspay-stack.ts). */
const API_URL_OUTPUT = 'ApiUrl';

/**
 * The API's URL: `--api-url`; else the deployed stage's `ApiUrl` output, from the outputs file when given, else
 * from CloudFormation (DescribeStacks, with the AWS credentials and region of the environment); else the local
 * stack's. A stage is named on purpose: a forgotten flag never sends the smoke test to the wrong place.
 */
export async function smokeTarget(flags: TargetFlags): Promise<SmokeTarget> {
  if (flags.apiUrl) return { apiUrl: flags.apiUrl, from: '--api-url' };
  if (flags.outputsFile) return fromOutputsFile(flags.outputsFile, flags.stage);
  if (flags.stage) return fromCloudFormation(stackNameOf(flags.stage));
  const local = localStackEndpoints().apiUrl;
  if (local) return { apiUrl: local, from: 'the local stack' };
  throw new UsageError(
    'no API to test: pass --stage dev|prod (a deployed stack), --outputs cdk-outputs.json, --api-url, or start the local stack',
  );
}

function fromOutputsFile(file: string, stage: string | undefined): SmokeTarget {
  if (!existsSync(file)) throw new UsageError(`--outputs: no file ${file}`);
  const stacks = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  const names = stage ? [stackNameOf(stage)] : Object.keys(stacks);
  if (names.length !== 1)
    throw new UsageError(`--outputs: ${file} holds ${names.length} stacks: name one with --stage`);
  const stackName = names[0] as string;
  const apiUrl = stacks[stackName]?.[API_URL_OUTPUT];
  if (!apiUrl) throw new UsageError(`--outputs: ${file} has no ${API_URL_OUTPUT} output of ${stackName}`);
  return { apiUrl, from: `${stackName} in ${file}` };
}

async function fromCloudFormation(stackName: string): Promise<SmokeTarget> {
  const client = new CloudFormationClient({});
  try {
    // DescribeStacks answers a ValidationError for a stack that does not exist:
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const apiUrl = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === API_URL_OUTPUT)?.OutputValue;
    if (!apiUrl) throw new UsageError(`the stack ${stackName} has no ${API_URL_OUTPUT} output yet`);
    return { apiUrl, from: `the stack ${stackName}` };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read the stack ${stackName}: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    client.destroy();
  }
}
