import { beforeAll, describe, expect, it } from 'vitest';
import { databaseRoleOf } from '../../../lambdas/core/config/database-roles';
import { ENV } from '../../../lambdas/core/config/environment';
import { HANDLERS } from './support/code-needs';
import { environmentOf, functionOf, schemaResourceOf } from './support/functions';
import { IntrinsicResolver } from './support/intrinsics';
import { STAGES, type StackTemplate, synthesizeStages, targetOf } from './support/template';

let templates: Map<string, StackTemplate>;

beforeAll(() => {
  templates = synthesizeStages();
}, 300_000);

describe.each(STAGES)('the %s stage, deployed into a fresh account', (stage) => {
  const templateOf = () => templates.get(stage)!;

  // A stage that logs to CloudWatch needs the account's API Gateway CloudWatch role: "To enable CloudWatch Logs,
  // you must grant API Gateway permission to read and write logs to CloudWatch for your account."
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-account.html
  it('sets the API Gateway CloudWatch role before creating a stage that writes logs', () => {
    const template = templateOf();
    const resolver = new IntrinsicResolver(template);
    const logging = template.ofType('AWS::ApiGateway::Stage').filter((id) => {
      const props = template.resource(id).Properties ?? {};
      const methods = (props.MethodSettings ?? []) as { LoggingLevel?: string; DataTraceEnabled?: boolean }[];
      return (
        props.AccessLogSetting !== undefined ||
        methods.some(
          (m) => (m.LoggingLevel !== undefined && m.LoggingLevel !== 'OFF') || m.DataTraceEnabled === true,
        )
      );
    });
    expect(logging).not.toHaveLength(0);
    const accounts = template
      .ofType('AWS::ApiGateway::Account')
      .filter((id) => template.resource(id).Properties?.CloudWatchRoleArn !== undefined);
    for (const stageId of logging) {
      const account = accounts.find((id) => template.dependsOn(stageId, id));
      expect(
        account,
        `${stageId} depends on an AWS::ApiGateway::Account with a CloudWatch role`,
      ).toBeDefined();
      const role = template.resource(targetOf(template.resource(account!).Properties?.CloudWatchRoleArn)!);
      expect(JSON.stringify(resolver.resolve(role.Properties?.AssumeRolePolicyDocument))).toContain(
        'apigateway.amazonaws.com',
      );
    }
  });

  // "This name must be unique for all proxies owned by your AWS account in the specified AWS Region."
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBProxy.html
  it('names its RDS proxies apart from every other stage, so that stages can share an account', () => {
    const names = (template: StackTemplate) =>
      template.ofType('AWS::RDS::DBProxy').map((id) => String(template.resource(id).Properties?.DBProxyName));
    const ours = names(templateOf());
    const others = STAGES.filter((other) => other !== stage).flatMap((other) => names(templates.get(other)!));
    expect(ours.filter((name) => others.includes(name))).toEqual([]);
  });

  describe('the database roles the functions log in as', () => {
    const databaseFunctions = (template: StackTemplate) =>
      HANDLERS.filter((handler) => databaseRoleOf(handler)).map((handler) => {
        const environment = environmentOf(template, functionOf(template, handler));
        return {
          handler,
          secret: new IntrinsicResolver(template).string(environment[ENV.databaseSecretArn]),
        };
      });

    // RDS Proxy logs in to the database only as the users whose secrets it lists; a client whose user has
    // none is refused. https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy-secrets-arns.html
    it("lists in RDS Proxy's authentication every secret a function logs in with", () => {
      const template = templateOf();
      const resolver = new IntrinsicResolver(template);
      for (const proxy of template.ofType('AWS::RDS::DBProxy')) {
        const auth = (template.resource(proxy).Properties?.Auth ?? []) as { SecretArn?: unknown }[];
        const listed = new Set(auth.map((entry) => resolver.string(entry.SecretArn)));
        const missing = databaseFunctions(template).filter(({ secret }) => !listed.has(secret));
        expect(missing.map(({ handler }) => handler)).toEqual([]);
      }
    });

    it('has the migrate function set the password of every role a function logs in as', () => {
      const template = templateOf();
      const resolver = new IntrinsicResolver(template);
      const migrate = environmentOf(template, functionOf(template, 'migrate'));
      const set = new Set(resolver.string(migrate[ENV.databaseRoleSecretArns]).split(','));
      const missing = databaseFunctions(template).filter(({ secret }) => !set.has(secret));
      expect(missing.map(({ handler }) => handler)).toEqual([]);
    });
  });

  describe('the schema custom resource (migrations and topics)', () => {
    // CloudFormation creates resources in parallel unless one depends on another.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html
    it('has created the topics before any MSK event source mapping starts polling them', () => {
      const template = templateOf();
      const { schema } = schemaResourceOf(template);
      const mappings = template
        .ofType('AWS::Lambda::EventSourceMapping')
        .filter((id) => template.resource(id).Properties?.AmazonManagedKafkaEventSourceConfig !== undefined);
      expect(mappings).not.toHaveLength(0);
      expect(mappings.filter((id) => !template.dependsOn(id, schema))).toEqual([]);
    });

    // A proxy serves connections only once its target group registered the cluster; a cluster only once it has
    // an instance. https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbproxytargetgroup.html
    it('runs only once the database endpoint the migrate function connects to accepts connections', () => {
      const template = templateOf();
      const { schema, migrate } = schemaResourceOf(template);
      const endpoint = targetOf(environmentOf(template, migrate)[ENV.databaseHost])!;
      const { Type } = template.resource(endpoint);
      const prerequisites =
        Type === 'AWS::RDS::DBProxy'
          ? template
              .ofType('AWS::RDS::DBProxyTargetGroup')
              .filter((id) => targetOf(template.resource(id).Properties?.DBProxyName) === endpoint)
          : template
              .ofType('AWS::RDS::DBInstance')
              .filter((id) => targetOf(template.resource(id).Properties?.DBClusterIdentifier) === endpoint);
      expect(prerequisites).not.toHaveLength(0);
      expect(prerequisites.filter((id) => !template.dependsOn(schema, id))).toEqual([]);
    });
  });
});
