import { type App, Stack, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { appFor, stackFor } from './synth';

interface Acknowledgment {
  readonly path: string;
  readonly rule: string;
  readonly construct: IConstruct;
}

/**
 * Every cdk-nag acknowledgment recorded in the app, with the construct it was made on (CDK records some of its
 * own for other validation plugins, such as the stack's CloudFormation-Validate::W3010 once it reads its AZs).
 */
function acknowledgmentsIn(app: App): Acknowledgment[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
      .map((id) => ({ path: construct.node.path, rule: id.replace(/^annotation::/i, ''), construct }))
      .filter(({ rule }) => rule.startsWith('AwsSolutions-')),
  );
}

/**
 * Every AwsSolutions finding of the app as if nothing were acknowledged: cdk-nag's pack with its
 * acknowledgment lookup (a private method) switched off.
 */
function findingsIgnoringAcknowledgments(app: App): { rule: string; path: string }[] {
  const pack = new AwsSolutionsChecks();
  Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  return pack.validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      path: resource.constructPath ?? '',
    })),
  );
}

describe.each(['dev', 'prod'])('cdk-nag AwsSolutions on the %s stage', (stage) => {
  let app: App;
  let synthesis: unknown;

  beforeAll(() => {
    app = appFor(stage);
    stackFor(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch (error) {
      synthesis = error;
    }
  }, 300_000);

  it('reports no unacknowledged finding', () => {
    // A finding interrupts synthesis with the report; each acknowledgment names its reason in lib/nag-suppressions.ts.
    expect(synthesis).toBeUndefined();
  });

  it('acknowledges each finding on the resources it concerns, never stack-wide', () => {
    const acknowledgments = acknowledgmentsIn(app);
    expect(acknowledgments.length).toBeGreaterThan(0);
    const stackWide = acknowledgments.filter(
      ({ construct }) => construct === app || Stage.isStage(construct) || Stack.isStack(construct),
    );
    expect(stackWide.map(({ path, rule }) => `${rule} on ${path}`)).toEqual([]);
    // Each acknowledgment has a finding of its rule on a resource under its construct: none is speculative.
    const findings = findingsIgnoringAcknowledgments(app);
    const unused = acknowledgments.filter(
      ({ path, rule }) =>
        !findings.some((finding) => finding.rule === rule && `${finding.path}/`.startsWith(`${path}/`)),
    );
    expect(unused.map(({ path, rule }) => `${rule} on ${path}`)).toEqual([]);
  });
});
