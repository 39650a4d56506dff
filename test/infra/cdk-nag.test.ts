import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { appFor, stackFor } from './synth';

describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'prod'])(
    'reports no unacknowledged finding for the %s stage',
    (stage) => {
      const app = appFor(stage);
      stackFor(app);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      // A finding interrupts synthesis with the report; each acknowledgment names its reason in lib/nag-suppressions.ts.
      expect(() => app.synth()).not.toThrow();
    },
    300_000,
  );
});
