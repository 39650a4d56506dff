import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { receiptsSendingStatement } from '../../../lib/receipts';
import { stageConfig } from '../../../lib/stage-config';
import { appFor } from '../synth';
import { decide } from './support/iam-simulation';
import { ACCOUNT, REGION } from './support/template';

/** A CloudFormation value with the partition as deployed in a commercial region: joins made into strings. */
function concrete(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(concrete);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (record.Ref === 'AWS::Partition') return 'aws';
  const join = record['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(concrete).join(join[0]);
  return Object.fromEntries(Object.entries(record).map(([key, nested]) => [key, concrete(nested)]));
}

/** The receipts function's SES statement for `from`, as an identity policy with concrete ARNs. */
function policyFor(from: string) {
  const stack = new Stack(new App(), 'Receipts', { env: { account: ACCOUNT, region: REGION } });
  const statement = concrete(stack.resolve(receiptsSendingStatement(stack, from).toStatementJson()));
  return [{ name: 'receipts', policy: { Version: '2012-10-17', Statement: [statement] } }];
}

const identity = (name: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${name}`;

describe("the receipts function's SES access, simulated against AWS IAM", () => {
  it('may send from the configured address, whether the address or its domain is the verified identity', async () => {
    const policies = policyFor('receipts@shop.example.org');
    expect(await decide(policies, 'ses:SendEmail', identity('receipts@shop.example.org'))).toBe('Allowed');
    expect(await decide(policies, 'ses:SendEmail', identity('shop.example.org'))).toBe('Allowed');
  });

  it('may not send from another identity, nor do anything else in SES', async () => {
    const policies = policyFor('receipts@shop.example.org');
    expect(await decide(policies, 'ses:SendEmail', identity('other.example.org'))).toBe('ImplicitlyDenied');
    expect(await decide(policies, 'ses:DeleteEmailIdentity', identity('shop.example.org'))).toBe(
      'ImplicitlyDenied',
    );
  });
});

describe("a stage's receipts sender", () => {
  const withSender = (receiptsFromAddress: string) => () => {
    const stages = appFor('prod').node.tryGetContext('stages') as Record<string, Record<string, unknown>>;
    const context = { ...stages, prod: { ...stages.prod, receiptsFromAddress } };
    return stageConfig(new App({ context: { stages: context, stage: 'prod' } }));
  };

  it('is refused in one line when it is not an e-mail address, and taken as it is when it is', () => {
    expect(withSender('receipts.shop.example.org')).toThrow(
      'stage "prod": receiptsFromAddress "receipts.shop.example.org" is not an e-mail address (cdk.json)',
    );
    expect(withSender('receipts@shop.example.org')().receiptsFromAddress).toBe('receipts@shop.example.org');
  });
});
