import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requireJava } from '../../../localstack/src/engines/java';
import { StackError } from '../../../localstack/src/support/stack-error';

const jdks = mkdtempSync(join(tmpdir(), 'aspay-fake-jdks-'));
afterAll(() => rmSync(jdks, { recursive: true, force: true }));

/** A JAVA_HOME whose `bin/java -version` prints `versionLine` to stderr, as a real JDK does. */
function fakeJavaHome(versionLine: string): string {
  const home = join(jdks, versionLine.replace(/\W+/g, '-'));
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'bin', 'java'), `#!/bin/sh\necho '${versionLine}' >&2\n`);
  chmodSync(join(home, 'bin', 'java'), 0o755);
  return home;
}

describe('local stack prerequisites', () => {
  const javaHome = process.env.JAVA_HOME;
  afterEach(() => {
    if (javaHome === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = javaHome;
  });

  it('explains in one line that Java 17+ is missing', () => {
    process.env.JAVA_HOME = '/nonexistent-jdk';
    expect(() => requireJava()).toThrow(StackError);
    expect(() => requireJava()).toThrow(
      'Java 17+ is required for the local Kafka, DynamoDB Local and ElasticMQ engines, but "/nonexistent-jdk/bin/java -version" failed: install a JDK or set JAVA_HOME',
    );
  });

  it.each(['openjdk version "17.0.2" 2022-01-18', 'openjdk version "21" 2023-09-19'])(
    'accepts a JDK that says %s',
    (versionLine) => {
      process.env.JAVA_HOME = fakeJavaHome(versionLine);
      expect(() => requireJava()).not.toThrow();
    },
  );

  it.each([
    ['java version "1.8.0_402"', 'found Java 8'],
    ['openjdk version "11.0.22" 2024-01-16', 'found Java 11'],
    ['not a version at all', 'found Java of unknown version'],
  ])('refuses a JDK that says %s, in one line naming what it found', (versionLine, found) => {
    process.env.JAVA_HOME = fakeJavaHome(versionLine);
    expect(() => requireJava()).toThrow(
      `Java 17+ is required for the local engines, ${found}: set JAVA_HOME to a newer JDK`,
    );
  });
});
