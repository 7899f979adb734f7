import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ApacheKafkaError } from './apache-kafka-errors';

/** The Maven project that names the broker's jars; its `kafka.version` is the one pinned for the whole repository. */
export function brokerPomPath(root: string): string {
  return path.join(root, 'infra/kafka/pom.xml');
}

export function pinnedKafkaVersion(root: string): string {
  const pom = readFileSync(brokerPomPath(root), 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!m) throw new Error(`${brokerPomPath(root)} has no <kafka.version>`);
  return m[1].trim();
}

export interface BrokerClasspath {
  version: string;
  /** Absolute paths of every jar the broker needs, in Maven's order. */
  jars: string[];
  /** True when this call ran Maven (first use of a version, or a cache that had lost jars). */
  resolved: boolean;
}

/**
 * The broker's classpath, from the cache under `cacheDir` when it is complete (no Maven, no network), otherwise
 * resolved once with Maven into `cacheDir/m2` and recorded in `cacheDir/<version>/classpath.txt`.
 */
export function resolveBrokerClasspath(opts: {
  root: string;
  cacheDir: string;
  mvn?: string;
}): BrokerClasspath {
  const version = pinnedKafkaVersion(opts.root);
  const versionDir = path.join(opts.cacheDir, version);
  const listFile = path.join(versionDir, 'classpath.txt');
  const cached = readClasspath(listFile);
  if (cached) return { version, jars: cached, resolved: false };

  const mvn = opts.mvn ?? 'mvn';
  const probe = spawnSync(mvn, ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new ApacheKafkaError(
      'APACHE_KAFKA.MAVEN_MISSING',
      `Apache Kafka ${version} is not in the cache (${versionDir}) and Maven ("${mvn}") cannot run ` +
        `(${probe.error?.message ?? `exit ${probe.status}`}). Install Maven (apt-get install maven) so the ` +
        `broker's jars can be resolved once, or use the embedded broker (ORDERMESH_KAFKA=embedded).`,
    );
  }
  mkdirSync(versionDir, { recursive: true });
  // Written beside the final name and renamed: a run stopped half-way leaves no classpath that looks complete.
  const partial = `${listFile}.${process.pid}.partial`;
  const res = spawnSync(
    mvn,
    [
      '-B',
      '-q',
      '-f',
      brokerPomPath(opts.root),
      `-Dmaven.repo.local=${path.join(opts.cacheDir, 'm2')}`,
      'dependency:build-classpath',
      '-Dmdep.includeScope=runtime',
      `-Dmdep.outputFile=${partial}`,
    ],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (res.status !== 0 || !existsSync(partial)) {
    rmSync(partial, { force: true });
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new ApacheKafkaError(
      'APACHE_KAFKA.RESOLVE_FAILED',
      `Maven could not resolve Apache Kafka ${version} (${brokerPomPath(opts.root)}):\n${out}`,
    );
  }
  renameSync(partial, listFile);
  const jars = readClasspath(listFile);
  if (!jars) throw new ApacheKafkaError('APACHE_KAFKA.RESOLVE_FAILED', `Maven wrote no usable ${listFile}`);
  return { version, jars, resolved: true };
}

/** The recorded classpath, or null when there is none or a jar of it has gone. */
function readClasspath(file: string): string[] | null {
  if (!existsSync(file)) return null;
  const jars = readFileSync(file, 'utf8').trim().split(path.delimiter).filter(Boolean);
  if (jars.length === 0 || !jars.some((j) => /[\\/]kafka_2\.13-[^\\/]+\.jar$/.test(j))) return null;
  return jars.every((j) => existsSync(j)) ? jars : null;
}
