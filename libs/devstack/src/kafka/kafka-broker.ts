import { startBroker } from '@ordermesh/embedded-kafka';
import { startApacheKafka } from './apache-kafka';

/** Which Kafka a stack runs on: the project's embedded broker (default) or Apache Kafka on the JVM. */
export const KAFKA_KINDS = ['embedded', 'apache'] as const;
export type KafkaKind = (typeof KAFKA_KINDS)[number];

export interface KafkaBrokerOptions {
  kind: KafkaKind;
  /** Client port; 0 or absent = any free port. */
  port?: number;
  /** Apache Kafka's KRaft controller port; 0 or absent = any free port. */
  controllerPort?: number;
  /** Durable data kept across restarts; absent = in memory (embedded) or a temporary directory (apache). */
  dataDir?: string;
  defaultPartitions?: number;
  /** Default false on both: ordermesh creates its topics with explicit partition counts. */
  autoCreateTopics?: boolean;
  javaHome?: string;
  log?: (line: string) => void;
}

/** The one shape the stacks and tests hold, whichever broker is behind it: only `address` reaches the services. */
export interface KafkaBroker {
  kind: KafkaKind;
  host: string;
  port: number;
  address: string;
  /** "embedded broker" or "Apache Kafka 4.4.0", for banners and reports. */
  label: string;
  stop(): Promise<void>;
  /** Stops the broker and starts it again on the same port and data; clients reconnect by themselves. */
  restart(): Promise<void>;
}

export async function startKafkaBroker(opts: KafkaBrokerOptions): Promise<KafkaBroker> {
  const autoCreateTopics = opts.autoCreateTopics ?? false;
  if (opts.kind === 'apache') {
    const b = await startApacheKafka({
      port: opts.port,
      controllerPort: opts.controllerPort,
      dataDir: opts.dataDir,
      defaultPartitions: opts.defaultPartitions,
      autoCreateTopics,
      javaHome: opts.javaHome,
      log: opts.log,
    });
    return {
      kind: 'apache',
      host: b.host,
      port: b.port,
      address: b.address,
      label: `Apache Kafka ${b.version}`,
      stop: () => b.stop(),
      restart: () => b.restart(),
    };
  }
  const embeddedOptions = {
    port: opts.port ?? 0,
    dataDir: opts.dataDir,
    defaultPartitions: opts.defaultPartitions,
    autoCreateTopics,
  };
  let current = await startBroker(embeddedOptions);
  return {
    kind: 'embedded',
    host: current.host,
    port: current.port,
    address: current.address,
    label: 'embedded broker',
    stop: () => current.stop(),
    restart: async () => {
      const port = current.port;
      await current.stop();
      current = await startBroker({ ...embeddedOptions, port });
    },
  };
}
