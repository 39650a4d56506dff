import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stackNameOf } from '../../lambdas/core/config/stack';
import { AspayStack } from '../../lib/aspay-stack';
import { stageConfig } from '../../lib/stage-config';

const CDK_JSON = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/**
 * What the CDK CLI's first synthesis in an account and region records in cdk.context.json: the NAT instance's
 * Amazon Linux image, looked up once and then kept (lib/network.ts).
 */
export const CACHED_CONTEXT = {
  [`ssm:account=${ACCOUNT}:parameterName=/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64:region=${REGION}`]:
    'ami-0123456789abcdef0',
};

/** A fresh app with cdk.json's context for `stage`, as `cdk synth -c stage=…` would build it. */
export function appFor(stage: string): App {
  return new App({
    context: { ...CDK_JSON.context, ...CACHED_CONTEXT, stage },
    outdir: join(
      import.meta.dirname,
      '..',
      '..',
      'cdk.out',
      `test-${stage}-${process.pid}-${Math.random().toString(36).slice(2)}`,
    ),
  });
}

export function stackFor(app: App): AspayStack {
  const stage = stageConfig(app);
  return new AspayStack(app, stackNameOf(stage.name), {
    stage,
    env: { account: ACCOUNT, region: REGION },
  });
}

/** Synthesises a stage once (bundling every function takes seconds). */
export function templateFor(stage: string): Template {
  return Template.fromStack(stackFor(appFor(stage)));
}

/** A stage with the given processors, as `"processors": { … }` in cdk.json sets them. */
export function templateWithProcessors(stage: string, processors: Record<string, string>): Template {
  const app = appFor(stage);
  const stages = app.node.tryGetContext('stages') as Record<string, Record<string, unknown>>;
  app.node.setContext('stages', { ...stages, [stage]: { ...stages[stage], processors } });
  return Template.fromStack(stackFor(app));
}
