import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/core/config/environment';
import { environmentOf, schemaResourceOf } from './support/functions';
import {
  referencedLogicalIds,
  STAGES,
  type StackTemplate,
  stageSettings,
  synthesizeStages,
  targetOf,
} from './support/template';

let templates: Map<string, StackTemplate>;

beforeAll(() => {
  templates = synthesizeStages();
}, 300_000);

/**
 * What deleting the stack does with a resource: Retain and RetainExceptOnCreate keep it, Snapshot deletes it
 * after a final snapshot, and a database without a DeletionPolicy is snapshotted by default.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
 */
function onDestroy(template: StackTemplate, id: string): 'kept' | 'snapshot' | 'deleted' {
  const { Type, DeletionPolicy } = template.resource(id);
  if (DeletionPolicy === 'Retain' || DeletionPolicy === 'RetainExceptOnCreate') return 'kept';
  if (DeletionPolicy === 'Snapshot') return 'snapshot';
  if (DeletionPolicy === undefined && (Type === 'AWS::RDS::DBCluster' || Type === 'AWS::RDS::DBInstance'))
    return 'snapshot';
  return 'deleted';
}

const survivors = (template: StackTemplate, outcome: 'kept' | 'snapshot') =>
  Object.keys(template.resources).filter((id) => onDestroy(template, id) === outcome);

/** Resources that occupy the VPC's address space: deleting the VPC fails while one of them stays. */
const NETWORK_TYPES = new Set([
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::SecurityGroup',
  'AWS::RDS::DBSubnetGroup',
  'AWS::MSK::Cluster',
]);

/**
 * The property holding each kept type's physical name; a type missing here fails the test until it is added.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-product-property-reference.html
 */
const PHYSICAL_NAME: Readonly<Record<string, string | null>> = {
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBSubnetGroup': 'DBSubnetGroupName',
  // Keys and the account setting have no name of their own.
  'AWS::KMS::Key': null,
  'AWS::ApiGateway::Account': null,
};

/** Whether a property value is the same at every deploy: literals and pseudo parameters, no resource's id. */
const isFixed = (value: unknown) =>
  referencedLogicalIds(value).filter((id) => !id.startsWith('AWS::')).length === 0;

describe.each(STAGES)('the %s stage, destroyed and deployed again', (stage) => {
  const retainsData = stageSettings(stage).retainData === true;

  // What `cdk destroy` leaves behind, as docs/aws-deployment.md lists it.
  it(retainsData ? 'keeps its data, and only its data' : 'deletes everything it created', () => {
    const template = templates.get(stage)!;
    const kinds = (outcome: 'kept' | 'snapshot') =>
      [...new Set(survivors(template, outcome).map((id) => template.resource(id).Type))].sort();
    expect({ kept: kinds('kept'), snapshot: kinds('snapshot') }).toEqual(
      retainsData
        ? {
            kept: [
              'AWS::ApiGateway::Account',
              'AWS::DynamoDB::GlobalTable',
              'AWS::IAM::Role',
              'AWS::KMS::Key',
              'AWS::Logs::LogGroup',
              'AWS::SQS::Queue',
            ],
            snapshot: ['AWS::RDS::DBCluster'],
          }
        : { kept: [], snapshot: [] },
    );
    // RDS creates the exported database log group; the resource that sets its retention deletes it or keeps it.
    for (const id of template.ofType('Custom::LogRetention'))
      expect(template.resource(id).Properties?.RemovalPolicy, id).toBe(retainsData ? 'retain' : 'destroy');
  });

  // "An error occurred … already exists": a kept resource with a fixed name blocks its own re-creation
  // (aws/aws-cdk#11208).
  it('names nothing it keeps: the next deploy creates its own without colliding', () => {
    const template = templates.get(stage)!;
    const kept = survivors(template, 'kept');
    const unknownTypes = kept
      .map((id) => template.resource(id).Type)
      .filter((type) => !(type in PHYSICAL_NAME));
    expect(unknownTypes).toEqual([]);
    const fixedNames = kept.filter((id) => {
      const property = PHYSICAL_NAME[template.resource(id).Type];
      const name = property ? template.resource(id).Properties?.[property] : undefined;
      return name !== undefined && isFixed(name);
    });
    expect(fixedNames).toEqual([]);
  });

  // A kept database or subnet group stays in the VPC's subnets, so deleting the VPC fails (DELETE_FAILED).
  it('keeps nothing in the network it deletes', () => {
    const template = templates.get(stage)!;
    const inNetwork = survivors(template, 'kept').flatMap((id) =>
      referencedLogicalIds(template.resource(id).Properties)
        .filter((ref) => ref in template.resources && NETWORK_TYPES.has(template.resource(ref).Type))
        .filter((ref) => onDestroy(template, ref) !== 'kept')
        .map((ref) => `${id} → ${ref}`),
    );
    expect(inNetwork).toEqual([]);
  });
});

describe.each(STAGES)('the %s stage, on its first deploy and a failed update', (stage) => {
  // Creating a rotation schedule rotates the secret at once; the migration logs in with it meanwhile.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html
  it('rotates no secret a function logs in with before the schema resource has run', () => {
    const template = templates.get(stage)!;
    const { schema } = schemaResourceOf(template);
    const loginSecrets = new Set(
      template
        .ofType('AWS::Lambda::Function')
        .map((id) => targetOf(environmentOf(template, id)[ENV.databaseSecretArn]))
        .filter((id) => id !== undefined),
    );
    const rotations = template
      .ofType('AWS::SecretsManager::RotationSchedule')
      .filter((id) => loginSecrets.has(targetOf(template.resource(id).Properties?.SecretId)!));
    expect(rotations).not.toHaveLength(0);
    expect(rotations.filter((id) => !template.dependsOn(id, schema))).toEqual([]);
  });

  // The scheduled functions log in as roles the migrations create.
  it('starts no schedule before the schema resource has run', () => {
    const template = templates.get(stage)!;
    const { schema } = schemaResourceOf(template);
    const rules = template.ofType('AWS::Events::Rule').filter((id) =>
      ((template.resource(id).Properties?.Targets ?? []) as { Arn?: unknown }[]).some((target) => {
        const fn = targetOf(target.Arn);
        return fn !== undefined && environmentOf(template, fn)[ENV.databaseSecretArn] !== undefined;
      }),
    );
    expect(rules).not.toHaveLength(0);
    expect(rules.filter((id) => !template.dependsOn(id, schema))).toEqual([]);
  });

  describe("the migrate function's bundle, as CloudFormation calls it", () => {
    /** The staged bundle of the migrate function (the asset directory named after its S3 key). */
    const bundleOf = (template: StackTemplate, migrate: string) => {
      const code = template.resource(migrate).Properties?.Code as { S3Key?: string } | undefined;
      const key = String(code?.S3Key);
      const out = join(import.meta.dirname, '..', '..', '..', 'cdk.out');
      const asset = readdirSync(out)
        .filter((dir) => dir.startsWith(`test-${stage}-${process.pid}-`))
        .map((dir) => join(out, dir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs'))
        .find((file) => existsSync(file));
      if (!asset) throw new Error(`no staged bundle for ${migrate}`);
      return asset;
    };

    /** Runs the bundle's handler on `event`, with no database configured: what it answers, or its error. */
    const invoke = (bundle: string, event: Record<string, unknown>) => {
      const script = `
        const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
        const context = { functionName: 'migrate', awsRequestId: 'probe', getRemainingTimeInMillis: () => 60000 };
        process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)}, context)));`;
      const { PATH, HOME } = process.env;
      return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { PATH, HOME, AWS_REGION: 'eu-west-1', POWERTOOLS_TRACE_ENABLED: 'false' },
        timeout: 60_000,
      });
    };

    const updateEvent = (template: StackTemplate, schema: string, resource: Record<string, unknown>) => {
      const deployed = template.resource(schema).Properties ?? {};
      return {
        RequestType: 'Update',
        PhysicalResourceId: 'aspay-schema',
        LogicalResourceId: schema,
        StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/probe/1',
        RequestId: 'probe',
        ResourceType: 'AWS::CloudFormation::CustomResource',
        ResponseURL: 'https://example.invalid',
        ServiceToken: 'probe',
        ResourceProperties: { ...deployed, ...resource },
        OldResourceProperties: deployed,
      };
    };

    // A failed update rolls the resource back by sending the new function an Update with the old properties:
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html
    it('answers the rollback of an update that brought new migrations with success, touching nothing', () => {
      const template = templates.get(stage)!;
      const { schema, migrate } = schemaResourceOf(template);
      const olderSchema = 'f'.repeat(64);
      const result = invoke(
        bundleOf(template, migrate),
        updateEvent(template, schema, { migrations: olderSchema }),
      );
      expect({ status: result.status, stderr: result.stderr.slice(-500) }).toMatchObject({ status: 0 });
      expect(JSON.parse(result.stdout)).toEqual({ PhysicalResourceId: 'aspay-schema' });
    });

    it('applies the migrations it bundles on an update that brings them', () => {
      const template = templates.get(stage)!;
      const { schema, migrate } = schemaResourceOf(template);
      const result = invoke(bundleOf(template, migrate), updateEvent(template, schema, {}));
      // No database is configured here: reaching for it is what this update must do.
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(ENV.databaseUrl);
    });
  });
});
