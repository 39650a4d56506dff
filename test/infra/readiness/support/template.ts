import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templateFor } from '../../synth';

/** The account and Region `test/infra/synth.ts` synthesises into. */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  /** What deleting the stack does with it: Delete (the default for most types), Retain, RetainExceptOnCreate or Snapshot. */
  readonly DeletionPolicy?: string;
  readonly CreationPolicy?: { ResourceSignal?: { Count?: number; Timeout?: string } };
}

/** A synthesised CloudFormation template: its resources by logical id and what each one waits for. */
export class StackTemplate {
  readonly resources: Readonly<Record<string, TemplateResource>>;

  constructor(
    readonly stage: string,
    json: { Resources: Record<string, TemplateResource> },
  ) {
    this.resources = json.Resources;
  }

  resource(logicalId: string): TemplateResource {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`the ${this.stage} template has no resource ${logicalId}`);
    return resource;
  }

  /** Logical ids of the resources of `type`. */
  ofType(type: string): string[] {
    return Object.keys(this.resources).filter((id) => this.resources[id]?.Type === type);
  }

  /**
   * Whether CloudFormation creates `dependency` before `dependent`: a DependsOn or a Ref / Fn::GetAtt /
   * Fn::Sub reference, directly or through other resources.
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html
   */
  dependsOn(dependent: string, dependency: string): boolean {
    const seen = new Set<string>();
    const pending = [dependent];
    while (pending.length > 0) {
      const id = pending.pop()!;
      for (const next of this.directDependencies(id)) {
        if (next === dependency) return true;
        if (!seen.has(next)) {
          seen.add(next);
          pending.push(next);
        }
      }
    }
    return false;
  }

  private directDependencies(logicalId: string): Set<string> {
    const resource = this.resource(logicalId);
    const found = new Set<string>([resource.DependsOn ?? []].flat());
    for (const id of referencedLogicalIds(resource.Properties)) if (id in this.resources) found.add(id);
    return found;
  }
}

/** Every logical id a value refers to with Ref, Fn::GetAtt or a ${…} in Fn::Sub. */
export function referencedLogicalIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedLogicalIds);
  if (value === null || typeof value !== 'object') return [];
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref' && typeof argument === 'string') return [argument];
  if (entries.length === 1 && key === 'Fn::GetAtt' && Array.isArray(argument)) return [String(argument[0])];
  if (entries.length === 1 && key === 'Fn::Sub') {
    const text = Array.isArray(argument) ? String(argument[0]) : String(argument);
    const inline = [...text.matchAll(/\$\{([^}.!]+)/g)].map((match) => match[1]!);
    return [...inline, ...(Array.isArray(argument) ? referencedLogicalIds(argument[1]) : [])];
  }
  return entries.flatMap(([, nested]) => referencedLogicalIds(nested));
}

/** The logical id a single Ref / Fn::GetAtt points at (e.g. an environment variable's value). */
export function targetOf(value: unknown): string | undefined {
  const [id] = referencedLogicalIds(value);
  return id;
}

const CDK_JSON = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'cdk.json'), 'utf8'),
) as { context: { stages: Record<string, Record<string, unknown>> } };

/** The stages cdk.json defines, and each stage's settings. */
export const STAGES = Object.keys(CDK_JSON.context.stages);
export const stageSettings = (stage: string): Record<string, unknown> => CDK_JSON.context.stages[stage] ?? {};

/** Synthesises every stage (once: bundling takes seconds). */
export function synthesizeStages(): Map<string, StackTemplate> {
  return new Map(
    STAGES.map((stage) => [
      stage,
      new StackTemplate(
        stage,
        templateFor(stage).toJSON() as { Resources: Record<string, TemplateResource> },
      ),
    ]),
  );
}
