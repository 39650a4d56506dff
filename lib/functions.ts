import { join } from 'node:path';
import {
  Duration,
  aws_ec2 as ec2,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_lambda_nodejs as nodejs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/core/config/environment';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../lambdas/core/config/metrics';

const FUNCTIONS_DIR = join(import.meta.dirname, '..', 'lambdas', 'functions');

export interface FunctionSettings {
  /** The entry file `lambdas/functions/<handler>.ts`. */
  readonly handler: string;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly reservedConcurrency?: number;
  readonly environment?: Record<string, string>;
  /** Extra files copied next to the bundle, relative to the repository root (e.g. the migrations). */
  readonly copyIntoBundle?: string;
}

export interface SharedFunctionProps {
  readonly stage: string;
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly logRetention: logs.RetentionDays;
  readonly environment: Record<string, string>;
}

/** How esbuild bundles every function (ESM); `npm run bench` bundles them the same way to measure them. */
export const FUNCTION_BUNDLING = {
  target: 'node24',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  // ESM bundles of CommonJS dependencies (pg, kafkajs) need a require.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
};

/**
 * A shell command that copies a directory with Node.js alone, so that bundling runs wherever `cdk deploy` does
 * (cmd.exe has no `cp`). The paths are arguments, never code: `node -e` hands them to the script as argv.
 */
export function copyCommand(from: string, to: string): string {
  return `node -e "require('node:fs').cpSync(process.argv[1], process.argv[2], { recursive: true })" "${from}" "${to}"`;
}

/**
 * One ASPay Lambda: Node.js 24 on ARM64, bundled locally by esbuild as ESM (no Docker), X-Ray tracing,
 * Powertools settings, its own log group with a retention period, its own role (granted by the stack).
 */
export class AspayFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, shared: SharedFunctionProps, settings: FunctionSettings) {
    super(scope, id);
    const copy = settings.copyIntoBundle;
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(FUNCTIONS_DIR, `${settings.handler}.ts`),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: settings.memorySize ?? 512,
      timeout: settings.timeout ?? Duration.seconds(29),
      reservedConcurrentExecutions: settings.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      vpc: shared.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [shared.securityGroup],
      logGroup: new logs.LogGroup(this, 'Logs', { retention: shared.logRetention }),
      environment: {
        ...shared.environment,
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        [ENV.stage]: shared.stage,
        // RDS Proxy's certificate chains to the RDS CA, which the Lambda runtime ships here.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        NODE_OPTIONS: '--enable-source-maps',
        ...settings.environment,
      },
      bundling: {
        ...FUNCTION_BUNDLING,
        format: nodejs.OutputFormat.ESM,
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            copy ? [copyCommand(join(inputDir, copy), join(outputDir, copy))] : [],
        },
      },
    });
  }
}
