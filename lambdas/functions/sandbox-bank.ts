/**
 * The bank's sandbox inside the stack, behind a function URL (AuthType AWS_IAM): test-mode payments and refunds
 * settle after a deploy without an outside bank. The contract and its test tokens are the local simulator's
 * (core/sandbox-bank); the books are in DynamoDB, shared by every instance.
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { dynamodbSandboxBankStore } from '../core/adapters/dynamodb/sandbox-bank-store';
import { SANDBOX_BANK_FUNCTION } from '../core/config/sandbox-bank';
import { withObservability } from '../core/observability';
import { sandboxBank } from '../core/sandbox-bank/sandbox-bank';

const bank = sandboxBank({
  store: dynamodbSandboxBankStore(),
  // Instant answers: the seed's 5–10 s would only bill the wait.
  latency: { min: 0, max: 0 },
  hangMs: SANDBOX_BANK_FUNCTION.hangMs,
  slowAnswerMs: SANDBOX_BANK_FUNCTION.slowAnswerMs,
  // A call outlives no invocation: after the function's timeout its instance is gone.
  callLeaseMs: SANDBOX_BANK_FUNCTION.timeoutSeconds * 1000,
});

export const handler = withObservability(
  async (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> => {
    const answer = await bank({
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: new URLSearchParams(event.rawQueryString),
      idempotencyKey: event.headers['idempotency-key'] || undefined,
      body: event.body
        ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8')
        : '',
    });
    return {
      statusCode: answer.status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(answer.body),
    };
  },
);
