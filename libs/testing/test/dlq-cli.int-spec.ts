import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createKafka, DLQ_HEADERS, ensureTopics, KafkaPublisher, readTopic } from '@ordermesh/platform';
import { testKafkaBrokers, workspaceRoot } from '../src';

/** `npm run dlq` against a real Kafka-protocol broker: list what was dead-lettered, replay it. */
describe('dlq CLI', () => {
  const root = workspaceRoot();
  // The test run's shared broker (topic names below belong to this suite only).
  const broker = { address: testKafkaBrokers() };

  beforeAll(() => {
    const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs'), '--quiet'], { cwd: root });
    expect(build.status).toBe(0);
  });

  // Asynchronous on purpose: the broker may run in this process and must keep answering while the CLI runs.
  const cli = (...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(root, 'dist/libs/devstack/src/cli/dlq.js'), ...args], {
        cwd: root,
        env: { ...process.env, KAFKA_BROKERS: broker.address },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('lists dead-lettered messages with their reason and replays one to its topic without DLQ headers', async () => {
    const kafka = createKafka({ brokers: [broker.address], clientId: 'dlq-test' }, () => undefined);
    await ensureTopics(kafka, [
      { topic: 'dlq-cli-demo.events', partitions: 1 },
      { topic: 'dlq-cli-demo.events.dlq', partitions: 1 },
    ]);
    const publisher = new KafkaPublisher(kafka);
    const eventId = '0b8f5c8e-4f5e-4a39-9b8e-2a7f3f5d9c11';
    await publisher.publish([
      {
        topic: 'dlq-cli-demo.events.dlq',
        key: 'order-1',
        value: '{"eventId":"0b8f5c8e-4f5e-4a39-9b8e-2a7f3f5d9c11"}',
        headers: {
          'event-id': eventId,
          'event-type': 'OrderPlaced',
          [DLQ_HEADERS.reason]: 'HANDLER.FAILED',
          [DLQ_HEADERS.error]: 'relation "reservation_lines" does not exist',
          [DLQ_HEADERS.consumer]: 'inventory-service',
          [DLQ_HEADERS.originalTopic]: 'dlq-cli-demo.events',
          [DLQ_HEADERS.originalOffset]: '41',
        },
      },
    ]);
    await publisher.disconnect();

    const list = await cli('list', 'dlq-cli-demo.events');
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('dlq-cli-demo.events.dlq: 1 message(s)');
    expect(list.stdout).toMatch(
      /OrderPlaced\s+0b8f5c8e-4f5e-4a39-9b8e-2a7f3f5d9c11\s+inventory-service\s+HANDLER\.FAILED/,
    );

    const replay = await cli('replay', 'dlq-cli-demo.events', '--id', eventId);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toContain('replayed 1 message(s)');
    const replayed = await readTopic(kafka, 'dlq-cli-demo.events');
    expect(replayed).toHaveLength(1);
    expect(replayed[0]!.key).toBe('order-1');
    expect(Object.keys(replayed[0]!.headers).filter((h) => h.startsWith('dlq-'))).toEqual([]);
    expect(replayed[0]!.headers['replayed-from']).toBe('dlq-cli-demo.events.dlq:0:0');

    const missing = await cli(
      'replay',
      'dlq-cli-demo.events',
      '--id',
      'ffffffff-ffff-4fff-8fff-ffffffffffff',
    );
    expect(missing.status).toBe(1);
    expect((await cli('frobnicate')).status).toBe(2);
  });
});
