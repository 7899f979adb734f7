// Request handling for every supported API. Single node: this broker (node 1) leads every partition,
// coordinates every group, and the high watermark is simply the log end offset.
import { ErrorCode, KafkaError } from './errors';
import type { LogFn } from './log/partition-log';
import { Partition, TopicStore, validateTopicName } from './log/topic-store';
import { GroupCoordinator } from './group/coordinator';
import { OffsetStore } from './group/offset-store';
import {
  ApiKey,
  ApiVersionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  ErrorOnlyResponse,
  FetchPartitionResponse,
  FetchRequest,
  FetchResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  HeartbeatRequest,
  InitProducerIdRequest,
  InitProducerIdResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListGroupsResponse,
  ListOffsetsPartitionResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  MetadataTopic,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchPartition,
  OffsetFetchRequest,
  OffsetFetchResponse,
  ProducePartitionResponse,
  ProduceRequest,
  ProduceResponse,
  SCHEMAS,
  SyncGroupRequest,
  SyncGroupResponse,
} from './protocol/messages';
import { Reader, Writer } from './protocol/primitives';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  InvalidBatchError,
  assignBaseOffset,
  splitAndValidateBatches,
} from './protocol/record-batch';
import { Msg, decodeFields, encodeFields } from './protocol/schema';
import { ClientInfo, CloseConnectionError, RequestHeader } from './server';

export interface BrokerConfig {
  nodeId: number;
  advertisedHost: string;
  port: number;
  defaultPartitions: number;
  autoCreateTopics: boolean;
  log: LogFn;
}

const NO_AUTH_OPS = -2147483648;
const EMPTY = Buffer.alloc(0);

/** The advertised API table: only non-flexible versions that are implemented completely. */
export function supportedApis(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return Object.entries(SCHEMAS)
    .map(([k, s]) => ({ apiKey: Number(k), minVersion: s.min, maxVersion: s.max }))
    .sort((a, b) => a.apiKey - b.apiKey);
}

/**
 * ApiVersions at a version we do not know (librdkafka starts with v3, a flexible version): Kafka answers
 * in the v0 layout with UNSUPPORTED_VERSION plus its version table, and the client retries lower.
 */
export function unsupportedApiVersionsBody(): Buffer[] {
  const w = new Writer();
  encodeFields(
    w,
    SCHEMAS[ApiKey.ApiVersions].response,
    { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: supportedApis() },
    0,
  );
  return w.finish();
}

type Result = Msg | Promise<Msg> | null;

/** A failed system call (ENOSPC, EIO, ...). Duck-typed: such errors may come from another realm. */
function isIoError(err: unknown): err is NodeJS.ErrnoException {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as NodeJS.ErrnoException;
  return typeof e.code === 'string' && typeof e.syscall === 'string' && typeof e.message === 'string';
}

export class Broker {
  private nextProducerId: number;
  private readonly pendingFetches = new Set<() => void>();
  private stopping = false;

  constructor(
    private readonly cfg: BrokerConfig,
    private readonly topics: TopicStore,
    private readonly groups: GroupCoordinator,
    private readonly offsets: OffsetStore,
  ) {
    // Seeded from the clock so ids are not reused across restarts (a client may outlive the broker),
    // and above every id still present in the recovered logs.
    this.nextProducerId = Math.max(topics.maxProducerId() + 1, Date.now());
    for (const g of offsets.groupIds()) groups.ensureGroup(g);
  }

  /** Entry point from the server: decode, dispatch, encode. */
  handle = (
    header: RequestHeader,
    body: Reader,
    client: ClientInfo,
  ): Buffer[] | null | Promise<Buffer[] | null> => {
    const { apiKey, apiVersion: v } = header;
    const schema = SCHEMAS[apiKey];
    if (!schema) throw new CloseConnectionError(`unknown api key ${apiKey}`);
    if (apiKey === ApiKey.ApiVersions && v > schema.max) return unsupportedApiVersionsBody();
    if (v < 0 || v > schema.max) throw new CloseConnectionError(`unsupported version ${v} of ${schema.name}`);
    const req = decodeFields(body, schema.request, v);
    if (v < schema.min) {
      // Only Produce < 3 / Fetch < 4 (pre-v2 message formats) fall below a minimum. Their classic
      // layouts are fully described by the schemas, so answer per partition instead of hanging up.
      const resp = this.unsupportedVersionResponse(apiKey, req);
      if (resp === null) return null;
      const w = new Writer();
      encodeFields(w, schema.response, resp, v);
      return w.finish();
    }
    const result = this.dispatch(apiKey, v, req, header, client);
    if (result === null) return null;
    const encode = (resp: Msg): Buffer[] => {
      const w = new Writer();
      encodeFields(w, schema.response, resp, v);
      return w.finish();
    };
    return result instanceof Promise ? result.then(encode) : encode(result);
  };

  private unsupportedVersionResponse(apiKey: number, req: Msg): Msg | null {
    const code = ErrorCode.UNSUPPORTED_VERSION;
    if (apiKey === ApiKey.Produce) {
      const r = req as unknown as ProduceRequest;
      if (r.acks === 0) return null;
      const responses = r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          index: p.index,
          errorCode: code,
          baseOffset: -1,
          logAppendTimeMs: -1,
          logStartOffset: -1,
        })),
      }));
      return { responses, throttleTimeMs: 0 };
    }
    if (apiKey === ApiKey.Fetch) {
      const r = req as unknown as FetchRequest;
      const responses = r.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p): FetchPartitionResponse => ({
          partitionIndex: p.partition,
          errorCode: code,
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: EMPTY,
        })),
      }));
      return { throttleTimeMs: 0, errorCode: code, sessionId: 0, responses };
    }
    throw new CloseConnectionError(`unsupported version of api ${apiKey}`);
  }

  private dispatch(apiKey: number, v: number, req: Msg, header: RequestHeader, client: ClientInfo): Result {
    const m = <T>(x: T): Msg => x as unknown as Msg;
    const p = <T>(x: Promise<T>): Promise<Msg> => x as unknown as Promise<Msg>;
    switch (apiKey) {
      case ApiKey.Produce: {
        const r = this.produce(req as unknown as ProduceRequest);
        return r === null ? null : m(r);
      }
      case ApiKey.Fetch: {
        const r = this.fetch(req as unknown as FetchRequest, v);
        return r instanceof Promise ? p(r) : m(r);
      }
      case ApiKey.ListOffsets:
        return m(this.listOffsets(req as unknown as ListOffsetsRequest));
      case ApiKey.Metadata:
        return m(this.metadata(req as unknown as MetadataRequest, v));
      case ApiKey.OffsetCommit:
        return m(this.offsetCommit(req as unknown as OffsetCommitRequest, v));
      case ApiKey.OffsetFetch:
        return m(this.offsetFetch(req as unknown as OffsetFetchRequest));
      case ApiKey.FindCoordinator:
        return m(this.findCoordinator(req as unknown as FindCoordinatorRequest));
      case ApiKey.JoinGroup:
        return p(this.joinGroup(req as unknown as JoinGroupRequest, v, header, client));
      case ApiKey.SyncGroup:
        return p(this.syncGroup(req as unknown as SyncGroupRequest));
      case ApiKey.Heartbeat: {
        const hb = req as unknown as HeartbeatRequest;
        return m<ErrorOnlyResponse>({
          throttleTimeMs: 0,
          errorCode: this.groups.heartbeat(hb.groupId, hb.generationId, hb.memberId),
        });
      }
      case ApiKey.LeaveGroup:
        return m(this.leaveGroup(req as unknown as LeaveGroupRequest, v));
      case ApiKey.DescribeGroups: {
        const dg = req as unknown as DescribeGroupsRequest;
        return m<DescribeGroupsResponse>({
          throttleTimeMs: 0,
          groups: dg.groups.map((g) => this.groups.describe(g)),
        });
      }
      case ApiKey.ListGroups:
        return m<ListGroupsResponse>({
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          groups: this.groups.list(),
        });
      case ApiKey.ApiVersions:
        return m<ApiVersionsResponse>({
          errorCode: ErrorCode.NONE,
          apiKeys: supportedApis(),
          throttleTimeMs: 0,
        });
      case ApiKey.CreateTopics:
        return m(this.createTopics(req as unknown as CreateTopicsRequest));
      case ApiKey.DeleteTopics:
        return p(this.deleteTopics(req as unknown as DeleteTopicsRequest));
      case ApiKey.InitProducerId:
        return m(this.initProducerId(req as unknown as InitProducerIdRequest));
      case ApiKey.DeleteGroups: {
        const dg = req as unknown as DeleteGroupsRequest;
        const results = dg.groupsNames.map((groupId) => {
          const errorCode = this.groups.deleteGroup(groupId);
          if (errorCode === ErrorCode.NONE) this.offsets.deleteGroup(groupId);
          return { groupId, errorCode };
        });
        return m<DeleteGroupsResponse>({ throttleTimeMs: 0, results });
      }
      default:
        throw new CloseConnectionError(`unhandled api key ${apiKey}`);
    }
  }

  // ------------------------------------------------------------------ topics

  /** Resolves a partition, auto-creating the topic when allowed. Throws KafkaError otherwise. */
  private partition(topic: string, index: number, autoCreate: boolean): Partition {
    let t = this.topics.get(topic);
    if (!t && autoCreate && this.cfg.autoCreateTopics) {
      validateTopicName(topic);
      t = this.topics.create(topic, this.cfg.defaultPartitions);
    }
    const part = t?.partitions[index];
    if (!part)
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown partition ${topic}-${index}`);
    return part;
  }

  private metadata(req: MetadataRequest, v: number): MetadataResponse {
    const allTopics = req.topics === null || (v === 0 && req.topics.length === 0);
    const names = allTopics ? [...this.topics.topics.keys()] : (req.topics ?? []).map((t) => t.name);
    const topics: MetadataTopic[] = names.map((name) => {
      let t = this.topics.get(name);
      if (!t && this.cfg.autoCreateTopics && req.allowAutoTopicCreation) {
        try {
          t = this.topics.create(name, this.cfg.defaultPartitions);
        } catch (err) {
          return this.metadataTopicError(
            name,
            err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          );
        }
      }
      if (!t) {
        let code: number = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        try {
          validateTopicName(name);
        } catch {
          code = ErrorCode.INVALID_TOPIC_EXCEPTION;
        }
        return this.metadataTopicError(name, code);
      }
      return {
        errorCode: ErrorCode.NONE,
        name,
        isInternal: false,
        partitions: t.partitions.map((_, i) => ({
          errorCode: ErrorCode.NONE,
          partitionIndex: i,
          leaderId: this.cfg.nodeId,
          leaderEpoch: 0,
          replicaNodes: [this.cfg.nodeId],
          isrNodes: [this.cfg.nodeId],
          offlineReplicas: [],
        })),
        topicAuthorizedOperations: NO_AUTH_OPS,
      };
    });
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: this.cfg.nodeId, host: this.cfg.advertisedHost, port: this.cfg.port, rack: null }],
      clusterId: this.topics.clusterId,
      controllerId: this.cfg.nodeId,
      topics,
      clusterAuthorizedOperations: NO_AUTH_OPS,
    };
  }

  private metadataTopicError(name: string, errorCode: number): MetadataTopic {
    return { errorCode, name, isInternal: false, partitions: [], topicAuthorizedOperations: NO_AUTH_OPS };
  }

  private createTopics(req: CreateTopicsRequest): CreateTopicsResponse {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        try {
          if ((counts.get(t.name) ?? 0) > 1)
            throw new KafkaError(ErrorCode.INVALID_REQUEST, `duplicate topic '${t.name}' in request`);
          const partitions =
            t.assignments.length > 0
              ? t.assignments.length
              : t.numPartitions === -1
                ? this.cfg.defaultPartitions
                : t.numPartitions;
          if (t.replicationFactor !== -1 && t.replicationFactor !== 1 && t.assignments.length === 0) {
            this.topics.validateCreate(t.name, partitions);
            throw new KafkaError(
              ErrorCode.INVALID_REPLICATION_FACTOR,
              `replication factor ${t.replicationFactor} larger than available brokers: 1`,
            );
          }
          if (req.validateOnly) this.topics.validateCreate(t.name, partitions);
          else this.topics.create(t.name, partitions);
          return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          return { name: t.name, errorCode: err.code, errorMessage: err.message };
        }
      }),
    };
  }

  private async deleteTopics(req: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
    const responses: DeleteTopicsResponse['responses'] = [];
    for (const name of req.topicNames) {
      if (!this.topics.get(name)) {
        responses.push({ name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        continue;
      }
      await this.topics.delete(name);
      this.offsets.deleteTopic(name);
      responses.push({ name, errorCode: ErrorCode.NONE });
    }
    return { throttleTimeMs: 0, responses };
  }

  // ------------------------------------------------------------------ produce

  private produce(req: ProduceRequest): ProduceResponse | null {
    const responses: ProduceResponse['responses'] = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((pp) => this.producePartition(req, t.name, pp.index, pp.records)),
    }));
    if (req.acks === 0) return null;
    return { responses, throttleTimeMs: 0 };
  }

  private producePartition(
    req: ProduceRequest,
    topic: string,
    index: number,
    records: Buffer | null,
  ): ProducePartitionResponse {
    const out: ProducePartitionResponse = {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: -1,
      logAppendTimeMs: -1,
      logStartOffset: -1,
    };
    try {
      if (req.transactionalId !== null) {
        throw new KafkaError(
          ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          'transactions are not supported',
        );
      }
      if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1)
        throw new KafkaError(ErrorCode.INVALID_REQUIRED_ACKS, `acks ${req.acks}`);
      const part = this.partition(topic, index, true);
      out.logStartOffset = part.log.logStartOffset;
      if (records === null || records.length === 0)
        throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'empty record set');
      let batches;
      try {
        batches = splitAndValidateBatches(records);
      } catch (err) {
        if (err instanceof InvalidBatchError) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, err.message);
        throw err;
      }
      for (const { header } of batches) {
        if (header.attributes & (ATTR_TRANSACTIONAL | ATTR_CONTROL)) {
          throw new KafkaError(ErrorCode.INVALID_RECORD, 'transactional/control batches are not supported');
        }
      }
      let first = -1;
      for (const { header, at } of batches) {
        const dup = part.producers.check(header);
        let base: number;
        if (dup !== null) {
          base = dup.duplicateOf;
        } else {
          base = part.log.append(records.subarray(at, at + header.size), header, assignBaseOffset);
          part.producers.record(header, base);
        }
        if (first === -1) first = base;
      }
      out.baseOffset = first;
      out.logStartOffset = part.log.logStartOffset;
    } catch (err) {
      if (!(err instanceof KafkaError)) {
        if (!isIoError(err)) throw err;
        // Disk full, EIO, ...: fail this partition's append, keep serving everything else.
        this.cfg.log('error', 'log append failed', { topic, partition: index, error: err.message });
        out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
        return out;
      }
      out.errorCode = err.code;
      if (err.code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
        this.cfg.log('debug', 'produce rejected', { topic, partition: index, error: err.message });
    }
    return out;
  }

  private initProducerId(req: InitProducerIdRequest): InitProducerIdResponse {
    if (req.transactionalId !== null) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        producerId: -1,
        producerEpoch: -1,
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      producerId: this.nextProducerId++,
      producerEpoch: 0,
    };
  }

  // ------------------------------------------------------------------ fetch

  private fetch(req: FetchRequest, v: number): FetchResponse | Promise<FetchResponse> {
    const ready = (): boolean => {
      let bytes = 0;
      for (const t of req.topics) {
        const topic = this.topics.get(t.topic);
        for (const pr of t.partitions) {
          const part = topic?.partitions[pr.partition];
          if (!part) return true; // errors are answered immediately
          const log = part.log;
          if (pr.fetchOffset < log.logStartOffset || pr.fetchOffset > log.highWatermark) return true;
          bytes += log.bytesAfter(pr.fetchOffset);
          if (bytes >= req.minBytes && bytes > 0) return true;
        }
      }
      return bytes >= req.minBytes;
    };
    if (req.maxWaitMs <= 0 || this.stopping || ready()) return this.buildFetch(req, v);
    return new Promise<FetchResponse>((resolve) => {
      const logs = new Set<Set<() => void>>();
      let done = false;
      let scheduled = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const w of logs) w.delete(wake);
        this.pendingFetches.delete(finish);
        resolve(this.buildFetch(req, v));
      };
      // Appends only schedule a re-check, so a burst of produces costs one evaluation.
      const wake = (): void => {
        if (done || scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          if (!done && ready()) finish();
        });
      };
      const timer = setTimeout(finish, req.maxWaitMs);
      for (const t of req.topics) {
        const topic = this.topics.get(t.topic);
        for (const pr of t.partitions) {
          const waiters = topic?.partitions[pr.partition]?.log.waiters;
          if (waiters) {
            waiters.add(wake);
            logs.add(waiters);
          }
        }
      }
      this.pendingFetches.add(finish);
    });
  }

  private buildFetch(req: FetchRequest, v: number): FetchResponse {
    let budget = v >= 3 ? req.maxBytes : 0x7fffffff;
    let total = 0;
    const responses = req.topics.map((t) => {
      const topic = this.topics.get(t.topic);
      return {
        topic: t.topic,
        partitions: t.partitions.map((pr): FetchPartitionResponse => {
          const part = topic?.partitions[pr.partition];
          const resp: FetchPartitionResponse = {
            partitionIndex: pr.partition,
            errorCode: ErrorCode.NONE,
            highWatermark: -1,
            lastStableOffset: -1,
            logStartOffset: -1,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: EMPTY,
          };
          if (!part) {
            resp.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            return resp;
          }
          const log = part.log;
          resp.highWatermark = log.highWatermark;
          resp.lastStableOffset = log.highWatermark;
          resp.logStartOffset = log.logStartOffset;
          if (pr.fetchOffset < log.logStartOffset || pr.fetchOffset > log.highWatermark) {
            resp.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
            return resp;
          }
          // At least one whole batch per partition while the response budget lasts (and always for the
          // first data), so an oversized batch can never wedge a consumer.
          const limit = Math.max(0, Math.min(pr.partitionMaxBytes, budget));
          const { parts, bytes } = log.read(pr.fetchOffset, limit, total === 0 || budget > 0);
          budget -= bytes;
          total += bytes;
          resp.records = parts;
          return resp;
        }),
      };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  }

  private listOffsets(req: ListOffsetsRequest): ListOffsetsResponse {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((pr): ListOffsetsPartitionResponse => {
          const out: ListOffsetsPartitionResponse = {
            partitionIndex: pr.partitionIndex,
            errorCode: ErrorCode.NONE,
            oldStyleOffsets: [],
            timestamp: -1,
            offset: -1,
            leaderEpoch: 0,
          };
          const part = this.topics.get(t.name)?.partitions[pr.partitionIndex];
          if (!part) {
            out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            out.leaderEpoch = -1;
            return out;
          }
          if (pr.timestamp === -1) out.offset = part.log.highWatermark;
          else if (pr.timestamp === -2) out.offset = part.log.logStartOffset;
          else {
            const found = part.log.offsetForTimestamp(pr.timestamp);
            if (found) {
              out.offset = found.offset;
              out.timestamp = found.timestamp;
            }
          }
          if (out.offset >= 0) out.oldStyleOffsets = [out.offset];
          return out;
        }),
      })),
    };
  }

  // ------------------------------------------------------------------ groups

  private findCoordinator(req: FindCoordinatorRequest): FindCoordinatorResponse {
    if (req.keyType === 1) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        errorMessage: 'transactions are not supported by embedded-kafka',
        nodeId: -1,
        host: '',
        port: -1,
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: this.cfg.nodeId,
      host: this.cfg.advertisedHost,
      port: this.cfg.port,
    };
  }

  private joinGroup(
    req: JoinGroupRequest,
    v: number,
    header: RequestHeader,
    client: ClientInfo,
  ): Promise<JoinGroupResponse> {
    return this.groups.join(req, v, header.clientId ?? '', client.clientHost);
  }

  private async syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    const r = await this.groups.sync(req.groupId, req.generationId, req.memberId, req.assignments);
    return { throttleTimeMs: 0, errorCode: r.errorCode, assignment: r.assignment };
  }

  private leaveGroup(req: LeaveGroupRequest, v: number): LeaveGroupResponse {
    const members = v >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
    const codes = this.groups.leave(
      req.groupId,
      members.map((x) => x.memberId),
    );
    const top = v >= 3 ? ErrorCode.NONE : (codes[0] ?? ErrorCode.NONE);
    return {
      throttleTimeMs: 0,
      errorCode: top,
      members: members.map((x, i) => ({
        memberId: x.memberId,
        groupInstanceId: x.groupInstanceId,
        errorCode: codes[i],
      })),
    };
  }

  private offsetCommit(req: OffsetCommitRequest, v: number): OffsetCommitResponse {
    const generationId = v >= 1 ? req.generationId : -1;
    const groupError = this.groups.validateCommit(req.groupId, generationId, req.memberId);
    const accepted: {
      topic: string;
      partition: number;
      offset: number;
      leaderEpoch: number;
      metadata: string | null;
    }[] = [];
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((pr) => {
        let errorCode: number = groupError;
        if (errorCode === ErrorCode.NONE) {
          if (!this.topics.get(t.name)?.partitions[pr.partitionIndex])
            errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else
            accepted.push({
              topic: t.name,
              partition: pr.partitionIndex,
              offset: pr.committedOffset,
              leaderEpoch: pr.committedLeaderEpoch,
              metadata: pr.committedMetadata,
            });
        }
        return { partitionIndex: pr.partitionIndex, errorCode };
      }),
    }));
    if (accepted.length > 0) this.offsets.commit(req.groupId, accepted);
    return { throttleTimeMs: 0, topics };
  }

  private offsetFetch(req: OffsetFetchRequest): OffsetFetchResponse {
    const entry = (topic: string, partition: number): OffsetFetchPartition => {
      const c = this.offsets.get(req.groupId, topic, partition);
      return {
        partitionIndex: partition,
        committedOffset: c ? c.offset : -1,
        committedLeaderEpoch: c ? c.leaderEpoch : -1,
        metadata: c?.metadata ?? '', // Kafka stores a null commit metadata as ""
        errorCode: ErrorCode.NONE,
      };
    };
    let topics: OffsetFetchResponse['topics'];
    if (req.topics === null) {
      topics = [...this.offsets.all(req.groupId)].map(([name, parts]) => ({
        name,
        partitions: [...parts.keys()].sort((a, b) => a - b).map((i) => entry(name, i)),
      }));
    } else {
      topics = req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((i) => entry(t.name, i)),
      }));
    }
    return { throttleTimeMs: 0, topics, errorCode: ErrorCode.NONE };
  }

  /** Answers every parked Fetch now (shutdown). */
  stop(): void {
    this.stopping = true;
    for (const f of [...this.pendingFetches]) f();
  }
}
