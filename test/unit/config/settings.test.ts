import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENV, RENAMED_ENV } from '../../../lambdas/core/config/environment';
import { integerSetting, setting } from '../../../lambdas/core/config/settings';
import { merchantRequestRate } from '../../../lambdas/core/domain/rate-limit';

describe('reading a renamed variable', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('still reads the old name when the new one is unset, warning once that it is deprecated', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const env = { DB_HOST: 'proxy.example' };
    expect(setting(ENV.databaseHost, env)).toBe('proxy.example');
    expect(setting(ENV.databaseHost, env)).toBe('proxy.example');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'DB_HOST is renamed ASPAY_DATABASE_HOST; the old name is read until the next minor release',
      { type: 'DeprecationWarning', code: 'ASPAY_RENAMED_VARIABLE' },
    );
  });

  it('takes the new name when both are set, without a warning', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const env = {
      [ENV.deadLetterQueueUrl]: 'https://new.example/queue',
      DLQ_URL: 'https://old.example/queue',
    };
    expect(setting(ENV.deadLetterQueueUrl, env)).toBe('https://new.example/queue');
    expect(warn).not.toHaveBeenCalled();
  });

  it('reads integer settings under their old name too', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(merchantRequestRate({ MERCHANT_REQUESTS_PER_SECOND: '7', MERCHANT_REQUEST_BURST: '9' })).toEqual({
      perSecond: 7,
      burst: 9,
    });
    expect(
      integerSetting(
        { [ENV.merchantRequestsPerSecond]: '3', MERCHANT_REQUESTS_PER_SECOND: '5' },
        ENV.merchantRequestsPerSecond,
        10,
        1,
      ),
    ).toBe(3);
  });

  it('has nothing to fall back to for a variable that was never renamed', () => {
    expect(setting(ENV.stage, { STAGE: 'dev' })).toBeUndefined();
  });

  it('renames only into the ASPAY_ scheme, each old name once', () => {
    for (const name of Object.keys(RENAMED_ENV)) expect(name).toMatch(/^ASPAY_/);
    const oldNames = Object.values(RENAMED_ENV);
    expect(new Set(oldNames).size).toBe(oldNames.length);
    for (const name of Object.values(ENV)) if (name !== ENV.databaseUrl) expect(name).toMatch(/^ASPAY_/);
  });
});
