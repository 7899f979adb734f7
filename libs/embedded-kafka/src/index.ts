// Public API of the embedded single-node Kafka-protocol broker (see docs/adr/0003-embedded-kafka-broker.md).
import * as path from 'node:path';
import { Broker } from './broker';
import { GroupCoordinator } from './group/coordinator';
import { OffsetStore } from './group/offset-store';
import { TopicStore } from './log/topic-store';
import { Server } from './server';

export interface BrokerOptions {
  /** Default 9092; 0 = ephemeral. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Absent = in-memory; present = durable append-only segment files. */
  dataDir?: string;
  /** Partitions of auto-created topics; default 1. */
  defaultPartitions?: number;
  /** Like auto.create.topics.enable; default true. */
  autoCreateTopics?: boolean;
  /** Default 100 MiB; a larger frame closes the connection. */
  maxRequestBytes?: number;
  /** Per partition; -1/undefined = keep all. */
  retentionMs?: number;
  retentionBytes?: number;
  /** Like group.initial.rebalance.delay.ms; default 0. */
  groupInitialRebalanceDelayMs?: number;
  logger?: (
    level: 'debug' | 'info' | 'warn' | 'error',
    msg: string,
    fields?: Record<string, unknown>,
  ) => void;
}

export interface RunningBroker {
  host: string;
  port: number;
  /** "host:port" */
  address: string;
  stop(): Promise<void>;
}

const NODE_ID = 1;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Background fsync cadence for durable mode (see the ADR's durability section). */
const FLUSH_INTERVAL_MS = 1000;
const RETENTION_CHECK_MS = 1000;

export class BrokerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerConfigError';
  }
}

function intOption(name: string, v: number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min)
    throw new BrokerConfigError(`${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

export async function startBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
  const host = opts.host ?? '127.0.0.1';
  const requestedPort = intOption('port', opts.port, 9092, 0);
  const defaultPartitions = intOption('defaultPartitions', opts.defaultPartitions, 1, 1);
  const maxRequestBytes = intOption('maxRequestBytes', opts.maxRequestBytes, 100 * 1024 * 1024, 1024);
  const retentionMs = intOption('retentionMs', opts.retentionMs, -1, -1);
  const retentionBytes = intOption('retentionBytes', opts.retentionBytes, -1, -1);
  const initialDelay = intOption('groupInitialRebalanceDelayMs', opts.groupInitialRebalanceDelayMs, 0, 0);
  const log = opts.logger ?? ((): void => undefined);
  const dataDir = opts.dataDir === undefined ? null : path.resolve(opts.dataDir);
  // Segments roll at retention.bytes when that is smaller, so size retention can actually delete whole segments.
  const segmentBytes =
    retentionBytes > 0 ? Math.min(DEFAULT_SEGMENT_BYTES, retentionBytes) : DEFAULT_SEGMENT_BYTES;

  const topics = new TopicStore({ dataDir, segmentBytes, retentionMs, retentionBytes, log });
  const offsets = new OffsetStore(dataDir === null ? null : path.join(dataDir, 'consumer-offsets.log'));
  const groups = new GroupCoordinator({
    initialRebalanceDelayMs: initialDelay,
    minSessionTimeoutMs: 1000,
    maxSessionTimeoutMs: 30 * 60 * 1000,
    log,
  });
  const advertisedHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const cfg = {
    nodeId: NODE_ID,
    advertisedHost,
    port: requestedPort,
    defaultPartitions,
    autoCreateTopics: opts.autoCreateTopics ?? true,
    log,
  };
  const broker = new Broker(cfg, topics, groups, offsets);
  const server = new Server(broker.handle, maxRequestBytes, log);
  let port: number;
  try {
    port = await server.listen(requestedPort, host);
  } catch (err) {
    groups.close();
    await topics.close();
    offsets.close();
    throw err;
  }
  cfg.port = port;

  const flushTimer =
    dataDir === null
      ? null
      : setInterval(() => void topics.flush().then(() => offsets.flush()), FLUSH_INTERVAL_MS);
  flushTimer?.unref();
  const retentionTimer =
    retentionMs >= 0 || retentionBytes >= 0
      ? setInterval(() => topics.applyRetention(Date.now()), RETENTION_CHECK_MS)
      : null;
  retentionTimer?.unref();

  log('info', 'embedded kafka broker listening', { host, port, dataDir });
  let stopped: Promise<void> | null = null;
  return {
    host,
    port,
    address: `${host}:${port}`,
    stop(): Promise<void> {
      stopped ??= (async () => {
        if (flushTimer) clearInterval(flushTimer);
        if (retentionTimer) clearInterval(retentionTimer);
        broker.stop();
        groups.close();
        await server.close();
        await topics.close();
        offsets.close();
        log('info', 'embedded kafka broker stopped', { port });
      })();
      return stopped;
    },
  };
}
