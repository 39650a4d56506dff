import {
  aws_dynamodb as dynamodb,
  type aws_iam as iam,
  aws_lambda as lambda,
  RemovalPolicy,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SANDBOX_BANK_TABLE } from '../lambdas/core/config/sandbox-bank';

/**
 * The bank's sandbox inside the stack (lambdas/functions/sandbox-bank.ts): test-mode payments settle after a
 * deploy without an outside bank. Its books are a table of their own, on demand and expiring, deleted with the
 * stack in every stage: they hold test charges only, and a kept table would outlive the function that reads it.
 *
 * The bank connector reaches it at a function URL with AuthType AWS_IAM, signing each request (SigV4): only the
 * roles granted by `allow` may call it. A function URL is reachable "through the public Internet only. While
 * Lambda functions do support AWS PrivateLink, function URLs do not"
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html): the callers, in the private
 * subnets, go out through the stage's NAT like for any bank. Since October 2025 a new function URL needs both
 * lambda:InvokeFunctionUrl and lambda:InvokeFunction (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html):
 * `grantInvokeUrl` grants the first on the condition lambda:FunctionUrlAuthType = AWS_IAM and the second on
 * lambda:InvokedViaFunctionUrl = true, so neither lets the caller invoke the function other than through its URL.
 */
export class SandboxBank extends Construct {
  readonly table: dynamodb.TableV2;
  private server?: lambda.Function;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: SANDBOX_BANK_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: SANDBOX_BANK_TABLE.ttlAttribute,
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** Serves the sandbox from `fn` at a function URL that only signed requests of granted roles pass. */
  servedBy(fn: lambda.Function): lambda.FunctionUrl {
    this.table.grant(
      fn,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    this.server = fn;
    return fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
  }

  /** Lets `caller` call the sandbox through its URL, and nothing else of its function. */
  allow(caller: iam.IGrantable): void {
    if (!this.server) throw new Error('the sandbox bank is served by no function yet');
    this.server.grantInvokeUrl(caller);
  }
}
