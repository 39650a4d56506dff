import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testKeyOf } from '../../../cli/commands/smoke';
import { smokeTarget } from '../../../cli/commands/smoke-target';

/** A `cdk deploy --outputs-file` JSON: stack name → output name → value. */
function outputsFile(stacks: Record<string, Record<string, string>>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'aspay-smoke-')), 'cdk-outputs.json');
  writeFileSync(file, JSON.stringify(stacks));
  return file;
}

const DEV_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/';

describe("the smoke test's API", () => {
  it('is --api-url when given', async () => {
    await expect(smokeTarget({ apiUrl: 'https://api.example.com/', stage: 'dev' })).resolves.toEqual({
      apiUrl: 'https://api.example.com/',
      from: '--api-url',
    });
  });

  it("is the ApiUrl output in the CDK's outputs file, of the stage's stack", async () => {
    const one = outputsFile({ 'Aspay-dev': { ApiUrl: DEV_URL } });
    await expect(smokeTarget({ outputsFile: one })).resolves.toMatchObject({ apiUrl: DEV_URL });
    const two = outputsFile({ 'Aspay-dev': { ApiUrl: DEV_URL }, 'Aspay-prod': { ApiUrl: 'https://p/' } });
    await expect(smokeTarget({ outputsFile: two, stage: 'prod' })).resolves.toMatchObject({
      apiUrl: 'https://p/',
      from: `Aspay-prod in ${two}`,
    });
  });

  it('refuses an outputs file that does not name one stack with an ApiUrl', async () => {
    const two = outputsFile({ 'Aspay-dev': { ApiUrl: DEV_URL }, 'Aspay-prod': { ApiUrl: 'https://p/' } });
    await expect(smokeTarget({ outputsFile: two })).rejects.toThrow('holds 2 stacks: name one with --stage');
    const bare = outputsFile({ 'Aspay-dev': { DeadLetterQueueUrl: 'https://sqs/' } });
    await expect(smokeTarget({ outputsFile: bare })).rejects.toThrow('has no ApiUrl output of Aspay-dev');
    await expect(smokeTarget({ outputsFile: join(tmpdir(), 'none.json') })).rejects.toThrow(
      '--outputs: no file',
    );
  });
});

describe("the smoke test's key", () => {
  it('is a test key, never a live one', () => {
    expect(testKeyOf('sk_test_abc')).toBe('sk_test_abc');
    expect(() => testKeyOf('sk_live_abc')).toThrow(
      'refusing a live key: a smoke test never moves real money',
    );
    expect(() => testKeyOf('pk_abc')).toThrow('not a test key');
    expect(() => testKeyOf(undefined)).toThrow('no API key: pass --key sk_test_… or set ASPAY_API_KEY');
  });
});
