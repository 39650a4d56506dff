/**
 * Cold start, the part a laptop can measure: each function's bundle (esbuild with the CDK stack's settings,
 * lib/functions.ts) and the time a fresh Node.js process takes to import it (module load: what runs before
 * the first invocation, the per-container wiring included). Lambda's own init (sandbox, runtime) is not in it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { FUNCTION_BUNDLING } from '../lib/functions';
import { ROOT, STATE_DIR } from '../localstack/src/settings';
import { handlerEnvironment, type LocalEndpoints } from '../localstack/src/stack';

const run = promisify(execFile);

/**
 * Left out of the bundle as the CDK leaves them for Node.js 18+ runtimes, whose AWS SDK v3 is in the runtime
 * (aws-lambda-nodejs's default `externalModules`; cdk.json does not set the flag that adds `@smithy/*`).
 */
const EXTERNAL_MODULES = ['@aws-sdk/*'];

export interface ColdStart {
  readonly fn: string;
  readonly bundleBytes: number;
  /** Median over the imports, in milliseconds. */
  readonly importMs: number;
}

/** Under the repository so that the external AWS SDK resolves from its node_modules, as from the runtime's. */
const BUNDLE_DIR = join(STATE_DIR, 'bench', 'bundles');

const IMPORT_AND_TIME =
  'const t = performance.now(); await import(process.argv[1]); console.log(performance.now() - t); process.exit(0);';

export async function coldStarts(endpoints: LocalEndpoints, imports: number): Promise<ColdStart[]> {
  const functionsDir = join(ROOT, 'lambdas', 'functions');
  const names = readdirSync(functionsDir)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
  const results: ColdStart[] = [];
  for (const fn of names) {
    const outfile = join(BUNDLE_DIR, fn, 'index.mjs');
    mkdirSync(join(BUNDLE_DIR, fn), { recursive: true });
    await build({
      entryPoints: [join(functionsDir, `${fn}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: FUNCTION_BUNDLING.target,
      minify: FUNCTION_BUNDLING.minify,
      sourcemap: FUNCTION_BUNDLING.sourceMap,
      mainFields: FUNCTION_BUNDLING.mainFields,
      banner: { js: FUNCTION_BUNDLING.banner },
      external: EXTERNAL_MODULES,
      logLevel: 'silent',
    });
    const times: number[] = [];
    for (let i = 0; i < imports; i++) {
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', IMPORT_AND_TIME, outfile],
        {
          env: { ...process.env, ...handlerEnvironment(endpoints), NODE_OPTIONS: '' },
          timeout: 60_000,
        },
      );
      times.push(Number(stdout.trim().split('\n').at(-1)));
    }
    times.sort((a, b) => a - b);
    results.push({
      fn,
      bundleBytes: statSync(outfile).size,
      importMs: times[Math.floor(times.length / 2)] ?? 0,
    });
  }
  return results;
}
