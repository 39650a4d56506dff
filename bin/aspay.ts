#!/usr/bin/env node
/**
 * The CDK app: `npx cdk deploy -c stage=dev|prod`. Synthesises offline, with no AWS credentials; cdk-nag's
 * AwsSolutions checks interrupt synthesis on any finding not acknowledged in lib/nag-suppressions.ts.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackNameOf } from '../lambdas/core/config/stack';
import { AspayStack } from '../lib/aspay-stack';
import { stageConfig } from '../lib/stage-config';

const app = new App();
const stage = stageConfig(app);
new AspayStack(app, stackNameOf(stage.name), {
  stage,
  description: `ASPay payment gateway (${stage.name})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Tags.of(app).add('project', 'aspay');
Tags.of(app).add('stage', stage.name);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
