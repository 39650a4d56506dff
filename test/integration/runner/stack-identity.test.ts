import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  databaseIdentity,
  identityKafka,
  kafkaClusterId,
  type StackIdentity,
} from '../../../localstack/src/runner/stack-identity';
import { LOCAL_STACK_ENV, ROOT } from '../../../localstack/src/settings';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { REFUSED_TO_RUN_EXIT_CODE } from '../../../localstack/src/support/processes';
import { localEndpoints } from '../../support/local-stack';

const endpoints = localEndpoints();

/** Runs the event runner against the test stack's engines, told that its stack was started with `identity`. */
function runRunner(identity: StackIdentity): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'localstack', 'src', 'runner', 'server.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...handlerEnvironment(endpoints),
        [LOCAL_STACK_ENV.stackKafkaClusterId]: identity.kafkaClusterId,
        [LOCAL_STACK_ENV.stackDatabaseIdentity]: identity.database,
      },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  // A runner that does not refuse would consume: it is stopped after a while, and the test fails.
  const stopIfRunning = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(stopIfRunning);
      resolve({ code, output });
    });
  });
}

async function stackIdentity(): Promise<StackIdentity> {
  return {
    kafkaClusterId: await kafkaClusterId(identityKafka([endpoints.kafkaBrokers])),
    database: await databaseIdentity(endpoints.databaseUrl),
  };
}

describe('the event runner', () => {
  it("refuses, for good, to consume from a Kafka cluster other than its stack's", async () => {
    const actual = await stackIdentity();
    const { code, output } = await runRunner({ ...actual, kafkaClusterId: 'AnotherClusterOfTheSame' });
    expect(code).toBe(REFUSED_TO_RUN_EXIT_CODE);
    expect(output).toContain(
      `runner refuses to consume: the Kafka broker answers with cluster id ${actual.kafkaClusterId}, not AnotherClusterOfTheSame`,
    );
    expect(output).not.toContain('runner started');
  });

  it("refuses, for good, a database other than its stack's, as one dropped and created again is", async () => {
    const actual = await stackIdentity();
    const [server, oid] = actual.database.split('/');
    const before = `${server}/${Number(oid) - 1}`;
    const { code, output } = await runRunner({ ...actual, database: before });
    expect(code).toBe(REFUSED_TO_RUN_EXIT_CODE);
    expect(output).toContain(`runner refuses to consume: the database is ${actual.database}`);
    expect(output).toContain(`not ${before}`);
    expect(output).not.toContain('runner started');
  });
});
