import path from 'node:path';
import { pinnedKafkaVersion } from './broker-jars';
import { clusterId } from './apache-kafka';
import { javaMajor } from './java';
import { renderProperties, serverProperties } from './server-properties';

const ROOT = path.resolve(__dirname, '../../../..');

describe('serverProperties', () => {
  const props = serverProperties({
    host: '127.0.0.1',
    port: 29092,
    controllerPort: 29093,
    logDir: '/tmp/k/log',
    defaultPartitions: 3,
    autoCreateTopics: false,
  });

  it('describes a single-node KRaft cluster listening where asked', () => {
    expect(props['process.roles']).toBe('broker,controller');
    expect(props['controller.quorum.voters']).toBe('1@127.0.0.1:29093');
    expect(props.listeners).toBe('PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    expect(props['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:29092');
    expect(props['log.dirs']).toBe('/tmp/k/log');
  });

  it('fits one machine: one replica for internal topics, no rebalance delay, no auto-created topics', () => {
    expect(props['offsets.topic.replication.factor']).toBe('1');
    expect(props['transaction.state.log.replication.factor']).toBe('1');
    expect(props['transaction.state.log.min.isr']).toBe('1');
    expect(props['group.initial.rebalance.delay.ms']).toBe('0');
    expect(props['auto.create.topics.enable']).toBe('false');
    expect(props['num.partitions']).toBe('3');
    // Kafka's defaults stay Kafka's: nothing here loosens what the broker accepts from clients.
    expect(props['group.min.session.timeout.ms']).toBeUndefined();
  });

  it('lets extra settings win and renders one name=value per line', () => {
    const text = renderProperties(
      serverProperties({
        host: 'h',
        port: 1,
        controllerPort: 2,
        logDir: 'C:\\k',
        defaultPartitions: 1,
        autoCreateTopics: true,
        extra: { 'num.partitions': '9' },
      }),
    );
    expect(text).toContain('\nnum.partitions=9\n');
    expect(text).not.toMatch(/^num\.partitions=1$/m);
    expect(text).toContain('log.dirs=C:\\\\k\n');
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('javaMajor', () => {
  it('reads modern and legacy version strings', () => {
    expect(javaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(javaMajor('openjdk version "25" 2025-09-16')).toBe(25);
    expect(javaMajor('java version "1.8.0_392"')).toBe(8);
    expect(javaMajor('no version here')).toBeNull();
  });
});

describe('clusterId', () => {
  it('is 16 random bytes in URL-safe base64 without padding, as kafka-storage expects', () => {
    const a = clusterId();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(16);
    expect(clusterId()).not.toBe(a);
  });
});

describe('pinnedKafkaVersion', () => {
  it('reads the one Kafka version of the repository from infra/kafka/pom.xml', () => {
    expect(pinnedKafkaVersion(ROOT)).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
