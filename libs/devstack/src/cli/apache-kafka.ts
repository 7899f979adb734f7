import { parseArgs } from 'node:util';
import { startApacheKafka } from '../kafka/apache-kafka';

const USAGE =
  'usage: node dist/libs/devstack/src/cli/apache-kafka.js [--port N] [--partitions N] [--data-dir DIR]';

/**
 * Apache Kafka on the JVM as a process of its own, for tools that must not import the dev stack (the broker
 * benchmark): prints `listening on HOST:PORT (jvm pid N)` once it answers metadata, stops on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  let values: { port?: string; partitions?: string; 'data-dir'?: string };
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string' }, partitions: { type: 'string' }, 'data-dir': { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const int = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) {
      console.error(`--${name} must be a non-negative integer (got "${raw}")\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const broker = await startApacheKafka({
    port: int('port', values.port),
    defaultPartitions: int('partitions', values.partitions),
    dataDir: values['data-dir'],
    log: (line) => console.error(line),
  });
  console.log(`Apache Kafka ${broker.version} listening on ${broker.address} (jvm pid ${broker.pid()})`);
  const stop = () => void broker.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`apache kafka: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
