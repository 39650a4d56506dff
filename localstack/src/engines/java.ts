import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_CACHE_DIR, LOG_DIR, ROOT } from '../settings';
import { StackError } from '../support/stack-error';

const MINIMUM_JAVA = 17;
const MAVEN_TIMEOUT_MS = 10 * 60_000;

/** `JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. */
export function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Fails fast with one line when no Java 17+ is available for Kafka, DynamoDB Local and ElasticMQ. */
export function requireJava(): void {
  const result = spawnSync(javaCommand(), ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) {
    throw new StackError(
      `Java ${MINIMUM_JAVA}+ is required for the local Kafka, DynamoDB Local and ElasticMQ engines, but "${javaCommand()} -version" failed: install a JDK or set JAVA_HOME`,
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < MINIMUM_JAVA) {
    throw new StackError(
      `Java ${MINIMUM_JAVA}+ is required for the local engines, found Java ${major || 'of unknown version'}: set JAVA_HOME to a newer JDK`,
    );
  }
}

/** Fails fast with one line when Maven, which fetches the engines from Maven Central, is missing. */
export function requireMaven(): void {
  const result = spawnSync('mvn', ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (result.error || result.status !== 0) {
    throw new StackError(
      'Maven (mvn) is required to fetch the local engines from Maven Central: install Apache Maven 3.6+',
    );
  }
}

/**
 * Returns the directory holding every jar of an engine (`localstack/engines/<engine>/pom.xml`).
 * Maven copies them once into the git-ignored cache; later starts reuse the cache while the pom is unchanged.
 */
export function engineJars(engine: 'kafka' | 'dynamodb' | 'elasticmq'): string {
  const pom = join(ROOT, 'localstack', 'engines', engine, 'pom.xml');
  const libDir = join(ENGINE_CACHE_DIR, engine);
  const stampFile = join(libDir, '.pom-sha256');
  const pomHash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === pomHash) return libDir;

  requireMaven();
  rmSync(libDir, { recursive: true, force: true });
  mkdirSync(libDir, { recursive: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `maven-${engine}.log`);
  const result = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libDir}`,
      '-DincludeScope=runtime',
    ],
    { encoding: 'utf8', timeout: MAVEN_TIMEOUT_MS },
  );
  writeFileSync(logFile, `${result.stdout ?? ''}${result.stderr ?? ''}`);
  if (result.error || result.status !== 0) {
    rmSync(libDir, { recursive: true, force: true });
    const why = result.error ? result.error.message : `mvn exited with code ${result.status}`;
    throw new StackError(`could not fetch ${engine} from Maven Central (${why}); see ${logFile}`);
  }
  writeFileSync(stampFile, pomHash);
  return libDir;
}
