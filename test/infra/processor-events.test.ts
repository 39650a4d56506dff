import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/core/config/environment';
import { appFor, stackFor, templateWithProcessors } from './synth';

type Resource = { Type: string; Properties?: Record<string, unknown> };

const withProcessors = (processors: Record<string, string>) => templateWithProcessors('dev', processors);

/** The dev stage with test mode on Stripe. */
const stripeTestMode = () => withProcessors({ test: 'stripe', live: 'http' });

let template: Template;
let withoutStripe: Template;
beforeAll(() => {
  template = stripeTestMode();
  withoutStripe = Template.fromStack(stackFor(appFor('dev')));
}, 300_000);

const values = (t: Template, type: string) => Object.entries(t.findResources(type)) as [string, Resource][];
const variablesOf = (fn: Resource) =>
  (fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {};

describe('processor events in the AWS stack', () => {
  it('serves POST /v1/webhooks/stripe/{mode} without the merchant authorizer', () => {
    const [resource] = values(template, 'AWS::ApiGateway::Resource').find(
      ([, r]) => r.Properties?.PathPart === '{mode}',
    ) ?? [undefined];
    expect(resource).toBeDefined();
    const methods = values(template, 'AWS::ApiGateway::Method').filter(
      ([, m]) =>
        m.Properties?.HttpMethod === 'POST' &&
        JSON.stringify(m.Properties?.ResourceId) === JSON.stringify({ Ref: resource }),
    );
    expect(methods).toHaveLength(1);
    expect(methods[0]?.[1].Properties?.AuthorizationType).toBe('NONE');
  });

  it('creates a Stripe secret only for a mode on Stripe, readable by exactly the functions that need it', () => {
    expect(
      values(withoutStripe, 'AWS::SecretsManager::Secret').filter(([id]) => id.includes('Stripe')),
    ).toEqual([]);
    const stripe = values(template, 'AWS::SecretsManager::Secret').filter(([id]) => id.includes('Stripe'));
    expect(stripe.map(([id]) => id)).toEqual([expect.stringMatching(/^StripeTestCredentials/)]);
    const secretId = stripe[0]?.[0] as string;
    const readers = values(template, 'AWS::Lambda::Function')
      .filter(
        ([, fn]) =>
          JSON.stringify(variablesOf(fn)[ENV.stripeTestSecretArn]) === JSON.stringify({ Ref: secretId }),
      )
      .map(([id]) => id.replace(/Function[0-9A-F]{8}$/, ''));
    expect(readers.sort()).toEqual(['BankProcessor', 'ProcessorEvents', 'RetrySweep']);
    const granted = values(template, 'AWS::IAM::Policy')
      .filter(([, policy]) =>
        JSON.stringify(policy.Properties?.PolicyDocument).includes(`"Ref":"${secretId}"`),
      )
      .map(([id]) => id.replace(/FunctionServiceRoleDefaultPolicy[0-9A-F]{8}$/, ''));
    expect(granted.sort()).toEqual(['BankProcessor', 'ProcessorEvents', 'RetrySweep']);
    for (const [, fn] of values(template, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('ProcessorEvents'),
    ))
      expect(variablesOf(fn)[ENV.testProcessor]).toBe('stripe');
  });
});

describe('the live processor', () => {
  it('refuses the simulator for live mode: live payments would settle against a sandbox', () => {
    expect(() => withProcessors({ test: 'simulator', live: 'simulator' })).toThrow(
      /processors.live cannot be "simulator"/,
    );
  });

  it('tells every function the live processor, so that live mode on Stripe is on without a bank URL', () => {
    const liveOnStripe = withProcessors({ test: 'simulator', live: 'stripe' });
    const functions = values(liveOnStripe, 'AWS::Lambda::Function').filter(
      ([, fn]) => variablesOf(fn)[ENV.databaseHost] !== undefined,
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions) expect(variablesOf(fn)[ENV.liveProcessor]).toBe('stripe');
  });
});
