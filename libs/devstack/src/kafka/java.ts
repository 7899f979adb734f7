import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ApacheKafkaError } from './apache-kafka-errors';

/** Kafka 4's broker needs Java 17 or later. */
export const MIN_JAVA_MAJOR = 17;

/** `JAVA_HOME/bin/java` when JAVA_HOME is given, else `java` from PATH; checked to run and to be new enough. */
export function findJava(javaHome?: string): { java: string; major: number } {
  const java = javaHome ? path.join(javaHome, 'bin', 'java') : 'java';
  const res = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    throw new ApacheKafkaError(
      'APACHE_KAFKA.JAVA_MISSING',
      `Apache Kafka runs on the JVM, but "${java}" cannot run (${res.error?.message ?? `exit ${res.status}`}). ` +
        `Install a JDK ${MIN_JAVA_MAJOR}+ (apt-get install openjdk-17-jre-headless) or set JAVA_HOME, ` +
        `or use the embedded broker (ORDERMESH_KAFKA=embedded).`,
    );
  }
  const major = javaMajor(`${res.stderr}${res.stdout}`);
  if (major === null || major < MIN_JAVA_MAJOR) {
    throw new ApacheKafkaError(
      'APACHE_KAFKA.JAVA_TOO_OLD',
      `Apache Kafka needs Java ${MIN_JAVA_MAJOR} or later; "${java} -version" says: ${res.stderr.split('\n')[0]}`,
    );
  }
  return { java, major };
}

/** The major version from `java -version` output: `"17.0.15"` → 17, the old `"1.8.0_392"` → 8. */
export function javaMajor(versionOutput: string): number | null {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return null;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}
