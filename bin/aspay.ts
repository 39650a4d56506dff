#!/usr/bin/env node
/** The CDK app: `npx cdk deploy -c stage=dev|prod`. Synthesises offline, with no AWS credentials. */
import { App, Tags } from 'aws-cdk-lib';
import { AspayStack } from '../lib/aspay-stack';
import { stageConfig } from '../lib/stage-config';

const app = new App();
const stage = stageConfig(app);
new AspayStack(app, `Aspay-${stage.name}`, {
  stage,
  description: `ASPay payment gateway (${stage.name})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Tags.of(app).add('project', 'aspay');
Tags.of(app).add('stage', stage.name);
