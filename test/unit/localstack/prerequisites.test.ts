import { afterEach, describe, expect, it } from 'vitest';
import { requireJava } from '../../../localstack/src/engines/java';
import { StackError } from '../../../localstack/src/support/stack-error';

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

  it('accepts the Java on this machine', () => {
    expect(() => requireJava()).not.toThrow();
  });
});
