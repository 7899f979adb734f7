import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKafka } from '@ordermesh/platform';
import {
  ApacheKafkaError,
  findJava,
  loadDevStackConfig,
  resolveBrokerClasspath,
  startApacheKafka,
  workspaceRoot,
} from '../src';

// Needs a JDK: runs in the Apache Kafka half of the test run (ORDERMESH_KAFKA=apache), as CI's `--kafka both` does.
const onApache = loadDevStackConfig(process.env).kafka.kind === 'apache';
const describeApache = onApache ? describe : describe.skip;

describeApache('Apache Kafka on the JVM (the provider behind ORDERMESH_KAFKA=apache)', () => {
  const root = workspaceRoot();

  it('starts from the cached jars, keeps its data across a restart, and leaves nothing running after stop', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordermesh-apache-test-'));
    const broker = await startApacheKafka({ dataDir, defaultPartitions: 2 });
    const kafka = createKafka({ brokers: [broker.address], clientId: 'provider-test' }, () => undefined);
    const admin = kafka.admin();
    const producer = kafka.producer();
    try {
      expect(broker.version).toMatch(/^4\.\d+\.\d+$/);
      await admin.connect();
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => `${b.host}:${b.port}`)).toEqual([broker.address]);

      // Auto-create is off, as on the stacks users run: a topic exists only once created.
      expect(await admin.listTopics()).not.toContain('kept');
      await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 2 }], waitForLeaders: true });
      await producer.connect();
      await producer.send({ topic: 'kept', acks: -1, messages: [{ key: 'k', value: 'survives a restart' }] });

      const pidBefore = broker.pid();
      await broker.restart();
      expect(broker.pid()).not.toBe(pidBefore);
      expect(() => process.kill(pidBefore!, 0)).toThrow();
      const offsets = await admin.fetchTopicOffsets('kept');
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(1);
    } finally {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      const pid = broker.pid();
      await broker.stop();
      expect(() => process.kill(pid!, 0)).toThrow();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads the classpath from the cache without Maven once resolved', () => {
    const cacheDir = path.join(root, '.data', 'apache-kafka');
    resolveBrokerClasspath({ root, cacheDir });
    const again = resolveBrokerClasspath({ root, cacheDir, mvn: '/nonexistent/mvn' });
    expect(again.resolved).toBe(false);
    expect(again.jars.some((j) => /kafka_2\.13-4\.\d+\.\d+\.jar$/.test(j))).toBe(true);
  });

  it('fails fast, naming what to install, when Maven or Java is missing', () => {
    const emptyCache = mkdtempSync(path.join(os.tmpdir(), 'ordermesh-empty-cache-'));
    try {
      const noMaven = captureError(() =>
        resolveBrokerClasspath({ root, cacheDir: emptyCache, mvn: '/nonexistent/mvn' }),
      );
      expect(noMaven).toMatchObject({ code: 'APACHE_KAFKA.MAVEN_MISSING' });
      expect(noMaven.message).toMatch(/Install Maven/);
    } finally {
      rmSync(emptyCache, { recursive: true, force: true });
    }
    const noJava = captureError(() => findJava('/nonexistent/jdk'));
    expect(noJava).toMatchObject({ code: 'APACHE_KAFKA.JAVA_MISSING' });
    expect(noJava.message).toMatch(/JDK 17\+/);
    expect(findJava().major).toBeGreaterThanOrEqual(17);
  });
});

function captureError(fn: () => unknown): ApacheKafkaError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApacheKafkaError);
    return err as ApacheKafkaError;
  }
  throw new Error('expected an ApacheKafkaError');
}
