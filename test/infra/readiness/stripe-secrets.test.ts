import { beforeAll, describe, expect, it } from 'vitest';
import { templateWithProcessors } from '../synth';
import { HANDLERS } from './support/code-needs';
import { functionOf, roleOf } from './support/functions';
import { decide, resourcePolicies, rolePolicies } from './support/iam-simulation';
import { IntrinsicResolver } from './support/intrinsics';
import { StackTemplate } from './support/template';

/**
 * Stripe's key and webhook secret per mode, simulated against AWS IAM as the database role secrets are (iam.test.ts):
 * on a stage whose two modes are on Stripe, each mode's secret is readable by the functions that call Stripe or
 * verify its events, and by no other.
 */
let template: StackTemplate;

beforeAll(() => {
  const synthesized = templateWithProcessors('dev', { test: 'stripe', live: 'stripe' });
  template = new StackTemplate('dev', synthesized.toJSON() as ConstructorParameters<typeof StackTemplate>[1]);
}, 300_000);

/** The handlers allowed secretsmanager:GetSecretValue on a secret. */
async function readersOf(secretArn: string): Promise<string[]> {
  const resolver = new IntrinsicResolver(template);
  const guards = resourcePolicies(template, resolver);
  const readers: string[] = [];
  for (const handler of HANDLERS) {
    const identity = rolePolicies(template, resolver, roleOf(template, functionOf(template, handler)));
    const decision = await decide(
      identity,
      'secretsmanager:GetSecretValue',
      secretArn,
      guards.get(secretArn),
    );
    if (decision === 'Allowed') readers.push(handler);
  }
  return readers.sort();
}

describe("Stripe's credentials, simulated against AWS IAM", () => {
  it.each(['Test', 'Live'])(
    "lets only the bank processor, the retry sweep and the processor events read the %s mode's secret",
    async (mode) => {
      const ids = template
        .ofType('AWS::SecretsManager::Secret')
        .filter((id) => id.startsWith(`Stripe${mode}Credentials`));
      expect(ids).toHaveLength(1);
      const arn = new IntrinsicResolver(template).string({ Ref: ids[0] });
      expect(await readersOf(arn)).toEqual(['bank-processor', 'processor-events', 'retry-sweep']);
    },
  );
});
