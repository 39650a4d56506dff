import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_IAM_BANK_AUTH } from '../../../lambdas/core/config/bank';
import { ENV } from '../../../lambdas/core/config/environment';
import { SANDBOX_BANK_TABLE } from '../../../lambdas/core/config/sandbox-bank';
import { onReservedDomain, ReservedBankDomainError, stageConfig } from '../../../lib/stage-config';
import { appFor } from '../synth';
import { environmentOf, functionOf } from './support/functions';
import { STAGES, type StackTemplate, synthesizeStages, targetOf } from './support/template';

let templates: Map<string, StackTemplate>;

beforeAll(() => {
  templates = synthesizeStages();
}, 300_000);

/** The functions that call the bank: the processor (on payment.initiated) and the retry sweep. */
const BANK_CALLERS = ['bank-processor', 'retry-sweep'];

describe.each(STAGES)('the %s stage, by default', (stage) => {
  it('serves a sandbox bank of its own at a function URL that only signed (AWS_IAM) requests pass', () => {
    const template = templates.get(stage)!;
    const [url, ...others] = template.ofType('AWS::Lambda::Url');
    expect(others).toEqual([]);
    const props = template.resource(url!).Properties ?? {};
    expect(props.AuthType).toBe('AWS_IAM');
    expect(targetOf(props.TargetFunctionArn)).toBe(functionOf(template, 'sandbox-bank'));
  });

  it.each(BANK_CALLERS)('sends the test-mode calls of %s there, signed', (handler) => {
    const template = templates.get(stage)!;
    const environment = environmentOf(template, functionOf(template, handler));
    const sandboxUrl = environment[ENV.bankSandboxApiUrl] as { 'Fn::GetAtt'?: [string, string] };
    expect(sandboxUrl['Fn::GetAtt']?.[1]).toBe('FunctionUrl');
    expect(template.resource(targetOf(sandboxUrl)!).Type).toBe('AWS::Lambda::Url');
    expect(environment[ENV.bankSandboxApiAuth]).toBe(AWS_IAM_BANK_AUTH);
  });

  it('points no function at a bank on a reserved domain: every URL it has can answer', () => {
    const template = templates.get(stage)!;
    const unreachable = template
      .ofType('AWS::Lambda::Function')
      .flatMap((id) => [
        environmentOf(template, id)[ENV.bankApiUrl],
        environmentOf(template, id)[ENV.bankSandboxApiUrl],
      ])
      .filter((url): url is string => typeof url === 'string')
      .filter((url) => !URL.canParse(url) || onReservedDomain(new URL(url)));
    expect(unreachable).toEqual([]);
  });

  it("keeps the sandbox's books in a table of its own: on demand, expiring, deleted with the stack", () => {
    const template = templates.get(stage)!;
    const tableRef = environmentOf(template, functionOf(template, 'sandbox-bank'))[ENV.sandboxBankTable];
    const table = template.resource(targetOf(tableRef)!);
    const props = table.Properties ?? {};
    expect(table.Type).toBe('AWS::DynamoDB::GlobalTable');
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.TimeToLiveSpecification).toEqual({
      AttributeName: SANDBOX_BANK_TABLE.ttlAttribute,
      Enabled: true,
    });
    expect(table.DeletionPolicy).toBe('Delete');
    expect(props.TableName).toBeUndefined();
    const coordinationTable = targetOf(
      environmentOf(template, functionOf(template, 'bank-processor'))[ENV.coordinationTable],
    );
    expect(targetOf(tableRef)).not.toBe(coordinationTable);
  });
});

describe('synthesis of a live bank URL', () => {
  const withBank = (bankApiUrl: string, stage = 'prod') => {
    const app = appFor(stage);
    const stages = app.node.tryGetContext('stages') as Record<string, Record<string, unknown>>;
    const context = { ...stages, [stage]: { ...stages[stage], bankApiUrl } };
    return () => stageConfig(new App({ context: { stages: context, stage } }));
  };

  it.each([
    'https://api.bank.example',
    'https://bank.invalid',
    'https://api.bank.test/',
    'http://localhost:3100',
    'https://bank.localhost',
    'https://api.example.com',
    'https://pay.example.net',
    'https://EXAMPLE.ORG.',
  ])('refuses %s, a reserved domain that never reaches a bank, with one clear error', (url) => {
    expect(withBank(url)).toThrow(ReservedBankDomainError);
    expect(withBank(url)).toThrow(/bankApiUrl .* is on a reserved domain .* set your bank's URL, or ""/);
  });

  it.each(['https://api.mybank.com', 'https://sandbox.examples.com', 'https://testbank.eu'])(
    'accepts %s',
    (url) => {
      expect(withBank(url)().bankApiUrl).toBe(url);
    },
  );

  it('accepts none (live mode off), as a fresh clone has it', () => {
    for (const stage of STAGES) expect(withBank('', stage)().bankApiUrl).toBe('');
  });
});
