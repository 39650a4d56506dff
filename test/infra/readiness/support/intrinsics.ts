import { stackNameOf } from '../../../../lambdas/core/config/stack';
import { ACCOUNT, REGION, type StackTemplate } from './template';

/** A template value uses an intrinsic function the resolver does not model. */
export class UnsupportedIntrinsicError extends Error {
  constructor(name: string) {
    super(`cannot resolve ${name}: the readiness resolver does not model it`);
    this.name = 'UnsupportedIntrinsicError';
  }
}

const PARTITION = 'aws';
const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': PARTITION,
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A plausible uuid-like suffix, stable per logical id, as AWS appends to cluster and key ARNs. */
function fakeUuid(logicalId: string): string {
  let hash = 0;
  for (const char of logicalId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const hex = hash.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex}${hex.slice(0, 4)}`;
}

type Attributes = { ref: string; attributes: Record<string, string> };

/**
 * Concrete identifiers for a resource, by type, as CloudFormation's Ref and Fn::GetAtt return them
 * (see each type's "Return values" in the CloudFormation template reference). Names a template leaves to
 * CloudFormation become the logical id; EC2 ids are the logical id itself, so rules map back to resources.
 */
function identifiersOf(
  logicalId: string,
  type: string,
  props: Record<string, unknown>,
  resolve: (v: unknown) => unknown,
): Attributes {
  const name = (property: string) =>
    String(props[property] !== undefined ? resolve(props[property]) : logicalId);
  const base = (service: string) => `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}`;
  switch (type) {
    case 'AWS::MSK::Cluster': {
      const arn = `${base('kafka')}:cluster/${name('ClusterName')}/${fakeUuid(logicalId)}-2`;
      return { ref: arn, attributes: { Arn: arn } };
    }
    case 'AWS::SecretsManager::Secret': {
      const arn = `${base('secretsmanager')}:secret:${name('Name')}-AbCdEf`;
      return { ref: arn, attributes: { Id: arn } };
    }
    case 'AWS::SecretsManager::SecretTargetAttachment':
      // Ref returns the attached secret's ARN.
      return { ref: String(resolve(props.SecretId)), attributes: {} };
    case 'AWS::DynamoDB::GlobalTable':
    case 'AWS::DynamoDB::Table': {
      const table = name('TableName');
      const arn = `${base('dynamodb')}:table/${table}`;
      return { ref: table, attributes: { Arn: arn, StreamArn: `${arn}/stream/2026-01-01T00:00:00.000` } };
    }
    case 'AWS::SQS::Queue': {
      const queue = name('QueueName');
      return {
        ref: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${queue}`,
        attributes: { Arn: `${base('sqs')}:${queue}`, QueueName: queue },
      };
    }
    case 'AWS::KMS::Key': {
      const arn = `${base('kms')}:key/${fakeUuid(logicalId)}`;
      return { ref: fakeUuid(logicalId), attributes: { Arn: arn, KeyId: fakeUuid(logicalId) } };
    }
    case 'AWS::Lambda::Function': {
      const fn = name('FunctionName');
      return { ref: fn, attributes: { Arn: `${base('lambda')}:function:${fn}` } };
    }
    case 'AWS::Logs::LogGroup': {
      const group = name('LogGroupName');
      return { ref: group, attributes: { Arn: `${base('logs')}:log-group:${group}:*` } };
    }
    case 'AWS::IAM::Role': {
      const role = name('RoleName');
      return { ref: role, attributes: { Arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${role}` } };
    }
    case 'AWS::RDS::DBProxy':
      return {
        ref: name('DBProxyName'),
        attributes: { Endpoint: `${logicalId}.proxy-abcdefghijkl.${REGION}.rds.amazonaws.com` },
      };
    case 'AWS::RDS::DBCluster': {
      const port = String(props.Port ?? 5432);
      const host = `${logicalId}.cluster-abcdefghijkl.${REGION}.rds.amazonaws.com`;
      return {
        ref: logicalId.toLowerCase(),
        attributes: { 'Endpoint.Address': host, 'Endpoint.Port': port, 'ReadEndpoint.Address': host },
      };
    }
    case 'AWS::EC2::SecurityGroup':
      return { ref: logicalId, attributes: { GroupId: logicalId } };
    case 'AWS::EC2::VPC':
      return { ref: logicalId, attributes: { CidrBlock: name('CidrBlock'), VpcId: logicalId } };
    default:
      return { ref: logicalId, attributes: {} };
  }
}

/**
 * Resolves CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::Sub)
 * in a synthesised template to the concrete values AWS would produce in account 123456789012, eu-west-1.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
 */
export class IntrinsicResolver {
  constructor(private readonly template: StackTemplate) {}

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::')))
      return this.intrinsic(key, argument);
    return Object.fromEntries(entries.map(([name, nested]) => [name, this.resolve(nested)]));
  }

  /** Resolves a value that must become a string (an ARN, a name, a CIDR). */
  string(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string' && typeof resolved !== 'number')
      throw new Error(`expected a string, resolved ${JSON.stringify(resolved)}`);
    return String(resolved);
  }

  ref(name: string): string {
    if (name in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[name]!;
    if (name === 'AWS::StackName') return stackNameOf(this.template.stage);
    return this.identifiers(name).ref;
  }

  getAtt(logicalId: string, attribute: string): string {
    const value = this.identifiers(logicalId).attributes[attribute];
    if (value === undefined) throw new UnsupportedIntrinsicError(`Fn::GetAtt ${logicalId}.${attribute}`);
    return value;
  }

  private identifiers(logicalId: string): Attributes {
    const resource = this.template.resource(logicalId);
    return identifiersOf(logicalId, resource.Type, resource.Properties ?? {}, (v) => this.resolve(v));
  }

  private intrinsic(name: string, argument: unknown): unknown {
    const args = Array.isArray(argument) ? argument : [argument];
    switch (name) {
      case 'Ref':
        return this.ref(String(argument));
      case 'Fn::GetAtt': {
        const [id, attribute] = typeof argument === 'string' ? argument.split(/\.(.*)/) : args;
        return this.getAtt(String(id), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, items] = args as [string, unknown[]];
        return (this.resolve(items) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = args;
        const items = this.resolve(list) as unknown[];
        return items[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, source] = args as [string, unknown];
        return this.string(source).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = args as [string, Record<string, unknown> | undefined];
        const bound = (this.resolve(variables ?? {}) ?? {}) as Record<string, unknown>;
        return text.replace(/\$\{([^}]+)\}/g, (_, expression: string) => {
          if (expression in bound) return String(bound[expression]);
          const [id, attribute] = expression.split(/\.(.*)/);
          return attribute ? this.getAtt(id!, attribute) : this.ref(id!);
        });
      }
      default:
        throw new UnsupportedIntrinsicError(name);
    }
  }
}
