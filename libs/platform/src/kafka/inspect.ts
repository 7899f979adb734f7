// Read-only inspection of topics and consumer groups through standard Kafka APIs only (Metadata, ListOffsets,
// ListGroups, DescribeGroups, OffsetFetch, Fetch), so it works against the embedded broker and Apache Kafka alike.
import { Admin, AssignerProtocol, Kafka } from 'kafkajs';
import { HEADERS } from '@ordermesh/contracts';
import { DLQ_HEADERS } from '../messages';
import { consumerLag, PartitionLag, readTopic, StoredMessage } from './topic-reader';

/** Group ids used by throwaway readers (readTopic, tailTopic): they never commit and are hidden from listings. */
export const INSPECTION_GROUP_PREFIX = 'ordermesh-reader-';

export class TopicNotFoundError extends Error {
  readonly code = 'KAFKA.TOPIC_NOT_FOUND';
  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist`);
  }
}

export class GroupNotFoundError extends Error {
  readonly code = 'KAFKA.GROUP_NOT_FOUND';
  constructor(readonly groupId: string) {
    super(`consumer group ${groupId} does not exist`);
  }
}

export interface TopicSummary {
  topic: string;
  partitions: number;
  /** Sum over partitions of high minus low watermark. */
  messages: number;
  dlq: boolean;
}

export interface PartitionDetail {
  partition: number;
  leader: number;
  replicas: number[];
  low: string;
  high: string;
  messages: number;
}

export interface GroupOnTopic {
  groupId: string;
  state: string;
  lag: number;
  partitions: PartitionLag[];
}

export interface TopicDescription {
  topic: string;
  dlq: boolean;
  messages: number;
  partitions: PartitionDetail[];
  groups: GroupOnTopic[];
}

export interface GroupSummary {
  groupId: string;
  state: string;
  protocolType: string;
  members: number;
  topics: string[];
  lag: number;
}

export interface GroupLagReport {
  groupId: string;
  state: string;
  members: number;
  partitions: PartitionLag[];
  lag: number;
}

const isDlq = (topic: string): boolean => topic.endsWith('.dlq');
const count = (o: { low: string; high: string }): number => Number(BigInt(o.high) - BigInt(o.low));
const sumLag = (parts: PartitionLag[]): number => parts.reduce((n, p) => n + p.lag, 0);

async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function requireTopic(admin: Admin, topic: string): Promise<string[]> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new TopicNotFoundError(topic);
  return topics;
}

/** Every topic with its partition count and message count; sorted by name. */
export async function listTopicSummaries(kafka: Kafka): Promise<TopicSummary[]> {
  return withAdmin(kafka, async (admin) => {
    const names = (await admin.listTopics()).sort();
    if (!names.length) return [];
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const out: TopicSummary[] = [];
    for (const t of topics) {
      const offsets = await admin.fetchTopicOffsets(t.name);
      out.push({
        topic: t.name,
        partitions: t.partitions.length,
        messages: offsets.reduce((n, o) => n + count(o), 0),
        dlq: isDlq(t.name),
      });
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic));
  });
}

interface GroupInfo {
  groupId: string;
  state: string;
  protocolType: string;
  members: number;
  /** Topics the group is assigned or holds committed offsets for. */
  topics: string[];
}

/** Topics of a group: from its members' assignments (active group) and its committed offsets (any state). */
async function groupInfos(admin: Admin, groupIds: string[], allTopics: string[]): Promise<GroupInfo[]> {
  if (!groupIds.length) return [];
  const { groups } = await admin.describeGroups(groupIds);
  const out: GroupInfo[] = [];
  for (const g of groups) {
    if (g.state === 'Dead') continue;
    const topics = new Set<string>();
    if (g.protocolType === 'consumer') {
      for (const m of g.members) {
        const assignment = m.memberAssignment.length
          ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
          : null;
        for (const t of Object.keys(assignment?.assignment ?? {})) topics.add(t);
      }
    }
    // OffsetFetch with "all topics" (null) is not expressible through kafkajs, so ask for every topic.
    if (allTopics.length) {
      const committed = await admin.fetchOffsets({ groupId: g.groupId, topics: allTopics });
      for (const c of committed) if (c.partitions.some((p) => BigInt(p.offset) >= 0n)) topics.add(c.topic);
    }
    out.push({
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      members: g.members.length,
      topics: [...topics].filter((t) => allTopics.includes(t)).sort(),
    });
  }
  return out;
}

async function visibleGroupIds(admin: Admin, includeInspection: boolean): Promise<string[]> {
  const { groups } = await admin.listGroups();
  return groups
    .map((g) => g.groupId)
    .filter((id) => includeInspection || !id.startsWith(INSPECTION_GROUP_PREFIX))
    .sort();
}

/** Partitions with leader and watermarks, and the consumer groups reading the topic with their lag. */
export async function describeTopic(kafka: Kafka, topic: string): Promise<TopicDescription> {
  const { partitions, groups } = await withAdmin(kafka, async (admin) => {
    const allTopics = await requireTopic(admin, topic);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const offsets = await admin.fetchTopicOffsets(topic);
    const partitions: PartitionDetail[] = (topics[0]?.partitions ?? [])
      .map((p) => {
        const o = offsets.find((x) => x.partition === p.partitionId) ?? { low: '0', high: '0' };
        return {
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas,
          low: o.low,
          high: o.high,
          messages: count(o),
        };
      })
      .sort((a, b) => a.partition - b.partition);
    const infos = await groupInfos(admin, await visibleGroupIds(admin, false), allTopics);
    return { partitions, groups: infos.filter((g) => g.topics.includes(topic)) };
  });
  const withLag: GroupOnTopic[] = [];
  for (const g of groups) {
    const parts = await consumerLag(kafka, g.groupId, [topic]);
    withLag.push({ groupId: g.groupId, state: g.state, lag: sumLag(parts), partitions: parts });
  }
  return {
    topic,
    dlq: isDlq(topic),
    messages: partitions.reduce((n, p) => n + p.messages, 0),
    partitions,
    groups: withLag,
  };
}

/** Consumer groups with state, member count, topics and total lag (throwaway inspection groups left out). */
export async function listGroupSummaries(
  kafka: Kafka,
  opts: { includeInspection?: boolean } = {},
): Promise<GroupSummary[]> {
  const infos = await withAdmin(kafka, async (admin) =>
    groupInfos(
      admin,
      await visibleGroupIds(admin, opts.includeInspection ?? false),
      await admin.listTopics(),
    ),
  );
  const out: GroupSummary[] = [];
  for (const g of infos) {
    const lag = g.topics.length ? sumLag(await consumerLag(kafka, g.groupId, g.topics)) : 0;
    out.push({ ...g, lag });
  }
  return out;
}

/** Committed offset, end offset and lag for every partition of every topic the group reads. */
export async function groupLag(kafka: Kafka, groupId: string): Promise<GroupLagReport> {
  const info = await withAdmin(kafka, async (admin) => {
    const { groups } = await admin.listGroups();
    if (!groups.some((g) => g.groupId === groupId)) throw new GroupNotFoundError(groupId);
    return (await groupInfos(admin, [groupId], await admin.listTopics()))[0];
  });
  if (!info) throw new GroupNotFoundError(groupId);
  const partitions = info.topics.length ? await consumerLag(kafka, groupId, info.topics) : [];
  return {
    groupId,
    state: info.state,
    members: info.members,
    partitions,
    lag: sumLag(partitions),
  };
}

export interface TailOptions {
  /** Start at the low watermark of each partition instead of the current end. */
  fromBeginning: boolean;
  /** Keep reading new messages until stopped; otherwise stop at the end offsets seen at start. */
  follow: boolean;
  onMessage: (message: StoredMessage) => void;
}

export interface TailHandle {
  /** Settles when the tail ends (end reached without follow, or stop()), or rejects if the consumer fails. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Streams a topic's messages (per partition in offset order) without disturbing any real consumer group: it joins
 * a throwaway group and never commits. Start offsets are taken before joining, so nothing produced after the
 * call is missed.
 */
export async function tailTopic(kafka: Kafka, topic: string, opts: TailOptions): Promise<TailHandle> {
  await withAdmin(kafka, (admin) => requireTopic(admin, topic));
  if (!opts.follow) {
    // Bounded read: readTopic already reads to the high watermarks of the call.
    const done = readTopic(kafka, topic).then((messages) => messages.forEach((m) => opts.onMessage(m)));
    return { done, stop: async () => undefined };
  }
  const starts = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const consumer = kafka.consumer({
    groupId: `${INSPECTION_GROUP_PREFIX}tail-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await consumer.disconnect().catch(() => undefined);
    settle.resolve();
  };
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) void consumer.disconnect().finally(() => settle.reject(e.payload.error));
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: opts.fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (stopped) return;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {}))
        if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : v.toString();
      opts.onMessage({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers,
        timestamp: message.timestamp,
      });
    },
  });
  // Applied by kafkajs once the partitions are assigned; with autoCommit off a seek commits nothing.
  for (const s of starts)
    consumer.seek({ topic, partition: s.partition, offset: opts.fromBeginning ? s.low : s.high });
  return { done, stop };
}

export interface DlqInfo {
  reason: string | null;
  error: string | null;
  consumer: string | null;
  originalTopic: string | null;
  originalPartition: string | null;
  originalOffset: string | null;
  failedAt: string | null;
  attempts: string | null;
}

/** A message read as one of our events: envelope fields (value first, headers as fallback) and raw headers. */
export interface DecodedMessage {
  topic: string;
  partition: number;
  offset: string;
  time: string;
  key: string | null;
  eventType: string | null;
  eventId: string | null;
  correlationId: string | null;
  causationId: string | null;
  producer: string | null;
  traceparent: string | null;
  headers: Record<string, string>;
  /** The envelope as parsed JSON, or the raw text when the value is not JSON. */
  value: unknown;
  /** Present on `<topic>.dlq` topics: why and where the message was dead-lettered. */
  dlq?: DlqInfo;
}

export function decodeMessage(m: StoredMessage): DecodedMessage {
  let value: unknown = m.value;
  try {
    if (m.value !== null) value = JSON.parse(m.value) as unknown;
  } catch {
    // Not JSON (a foreign or corrupt message): shown as text, headers still decoded.
  }
  const envelope = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const field = (name: string, header: string): string | null => {
    const v = envelope[name];
    return typeof v === 'string' ? v : (m.headers[header] ?? null);
  };
  const ms = Number(m.timestamp);
  const decoded: DecodedMessage = {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    time: Number.isFinite(ms) && ms >= 0 ? new Date(ms).toISOString() : m.timestamp,
    key: m.key,
    eventType: field('eventType', HEADERS.eventType),
    eventId: field('eventId', HEADERS.eventId),
    correlationId: field('correlationId', HEADERS.correlationId),
    causationId: field('causationId', HEADERS.causationId),
    producer: field('producer', HEADERS.producer),
    traceparent: m.headers[HEADERS.traceparent] ?? null,
    headers: m.headers,
    value,
  };
  if (isDlq(m.topic)) {
    const h = (k: string): string | null => m.headers[k] ?? null;
    decoded.dlq = {
      reason: h(DLQ_HEADERS.reason),
      error: h(DLQ_HEADERS.error),
      consumer: h(DLQ_HEADERS.consumer),
      originalTopic: h(DLQ_HEADERS.originalTopic),
      originalPartition: h(DLQ_HEADERS.originalPartition),
      originalOffset: h(DLQ_HEADERS.originalOffset),
      failedAt: h(DLQ_HEADERS.failedAt),
      attempts: h(DLQ_HEADERS.attempts),
    };
  }
  return decoded;
}
