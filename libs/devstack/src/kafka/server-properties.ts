/** What differs between one JVM broker and the next: where it listens and keeps its data, and a few sizes. */
export interface ServerPropertiesInput {
  host: string;
  port: number;
  controllerPort: number;
  logDir: string;
  defaultPartitions: number;
  autoCreateTopics: boolean;
  /** Anything else, written last (so it wins). */
  extra?: Record<string, string>;
}

/**
 * A single-node KRaft cluster (broker and controller in one process) with the settings a one-machine stack needs:
 * internal topics of one replica, no initial rebalance delay, topics created only on request. Everything not named
 * here keeps Apache Kafka's default, so our code meets the broker users deploy.
 */
export function serverProperties(p: ServerPropertiesInput): Record<string, string> {
  return {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${p.host}:${p.controllerPort}`,
    listeners: `PLAINTEXT://${p.host}:${p.port},CONTROLLER://${p.host}:${p.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${p.host}:${p.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': p.logDir,
    'num.partitions': String(p.defaultPartitions),
    'auto.create.topics.enable': String(p.autoCreateTopics),
    'group.initial.rebalance.delay.ms': '0',
    // One broker: no internal topic can have a second replica. One partition each is enough for one machine and
    // makes the first group coordinator lookup fast (the default 50 offsets partitions take seconds to create).
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    ...(p.extra ?? {}),
  };
}

export function renderProperties(props: Record<string, string>): string {
  return (
    Object.entries(props)
      .map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`)
      .join('\n') + '\n'
  );
}
