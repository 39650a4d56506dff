import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AspayStack } from '../../lib/aspay-stack';
import { stageConfig } from '../../lib/stage-config';

const CDK_JSON = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** A fresh app with cdk.json's context for `stage`, as `cdk synth -c stage=…` would build it. */
export function appFor(stage: string): App {
  return new App({
    context: { ...CDK_JSON.context, stage },
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
  return new AspayStack(app, `Aspay-${stage.name}`, {
    stage,
    env: { account: '123456789012', region: 'eu-west-1' },
  });
}

/** Synthesises a stage once (bundling every function takes seconds). */
export function templateFor(stage: string): Template {
  return Template.fromStack(stackFor(appFor(stage)));
}
