// Request/response schemas for every API the broker advertises (classic encodings only).
// Field names follow the Kafka JSON message definitions; version ranges were checked against the
// protocol guide. Flexible versions are deliberately not advertised (see api-versions.ts).
import { arr, f, Field } from './schema';

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  DeleteGroups: 42,
} as const;
export type ApiKeyValue = (typeof ApiKey)[keyof typeof ApiKey];

export interface ApiSchema {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly request: readonly Field[];
  readonly response: readonly Field[];
}

const throttle = (from: number): Field => f('throttleTimeMs', 'int32', from);

export const SCHEMAS: Readonly<Record<number, ApiSchema>> = {
  [ApiKey.Produce]: {
    name: 'Produce',
    min: 3, // magic v2 record batches only
    max: 7,
    request: [
      f('transactionalId', 'nstring', 3),
      f('acks', 'int16'),
      f('timeoutMs', 'int32'),
      f(
        'topics',
        arr([f('name', 'string'), f('partitions', arr([f('index', 'int32'), f('records', 'records')]))]),
      ),
    ],
    response: [
      f(
        'responses',
        arr([
          f('name', 'string'),
          f(
            'partitions',
            arr([
              f('index', 'int32'),
              f('errorCode', 'int16'),
              f('baseOffset', 'int64'),
              f('logAppendTimeMs', 'int64', 2, 0x7fff, -1),
              f('logStartOffset', 'int64', 5, 0x7fff, -1),
            ]),
          ),
        ]),
      ),
      throttle(1),
    ],
  },
  [ApiKey.Fetch]: {
    name: 'Fetch',
    min: 4, // magic v2 record batches only
    max: 11,
    request: [
      f('replicaId', 'int32'),
      f('maxWaitMs', 'int32'),
      f('minBytes', 'int32'),
      f('maxBytes', 'int32', 3, 0x7fff, 0x7fffffff),
      f('isolationLevel', 'int8', 4),
      f('sessionId', 'int32', 7),
      f('sessionEpoch', 'int32', 7, 0x7fff, -1),
      f(
        'topics',
        arr([
          f('topic', 'string'),
          f(
            'partitions',
            arr([
              f('partition', 'int32'),
              f('currentLeaderEpoch', 'int32', 9, 0x7fff, -1),
              f('fetchOffset', 'int64'),
              f('logStartOffset', 'int64', 5, 0x7fff, -1),
              f('partitionMaxBytes', 'int32'),
            ]),
          ),
        ]),
      ),
      f('forgottenTopicsData', arr([f('topic', 'string'), f('partitions', arr('int32'))]), 7),
      f('rackId', 'string', 11),
    ],
    response: [
      throttle(1),
      f('errorCode', 'int16', 7),
      f('sessionId', 'int32', 7),
      f(
        'responses',
        arr([
          f('topic', 'string'),
          f(
            'partitions',
            arr([
              f('partitionIndex', 'int32'),
              f('errorCode', 'int16'),
              f('highWatermark', 'int64'),
              f('lastStableOffset', 'int64', 4, 0x7fff, -1),
              f('logStartOffset', 'int64', 5, 0x7fff, -1),
              f('abortedTransactions', arr([f('producerId', 'int64'), f('firstOffset', 'int64')], 4), 4),
              f('preferredReadReplica', 'int32', 11, 0x7fff, -1),
              f('records', 'records'),
            ]),
          ),
        ]),
      ),
    ],
  },
  [ApiKey.ListOffsets]: {
    name: 'ListOffsets',
    min: 0,
    max: 5,
    request: [
      f('replicaId', 'int32'),
      f('isolationLevel', 'int8', 2),
      f(
        'topics',
        arr([
          f('name', 'string'),
          f(
            'partitions',
            arr([
              f('partitionIndex', 'int32'),
              f('currentLeaderEpoch', 'int32', 4, 0x7fff, -1),
              f('timestamp', 'int64'),
              f('maxNumOffsets', 'int32', 0, 0, 1),
            ]),
          ),
        ]),
      ),
    ],
    response: [
      throttle(2),
      f(
        'topics',
        arr([
          f('name', 'string'),
          f(
            'partitions',
            arr([
              f('partitionIndex', 'int32'),
              f('errorCode', 'int16'),
              f('oldStyleOffsets', arr('int64'), 0, 0),
              f('timestamp', 'int64', 1, 0x7fff, -1),
              f('offset', 'int64', 1, 0x7fff, -1),
              f('leaderEpoch', 'int32', 4, 0x7fff, -1),
            ]),
          ),
        ]),
      ),
    ],
  },
  [ApiKey.Metadata]: {
    name: 'Metadata',
    min: 0,
    max: 8,
    request: [
      f('topics', arr([f('name', 'string')], 1)),
      f('allowAutoTopicCreation', 'bool', 4, 0x7fff, true),
      f('includeClusterAuthorizedOperations', 'bool', 8),
      f('includeTopicAuthorizedOperations', 'bool', 8),
    ],
    response: [
      throttle(3),
      f(
        'brokers',
        arr([
          f('nodeId', 'int32'),
          f('host', 'string'),
          f('port', 'int32'),
          f('rack', 'nstring', 1, 0x7fff, null),
        ]),
      ),
      f('clusterId', 'nstring', 2, 0x7fff, null),
      f('controllerId', 'int32', 1, 0x7fff, -1),
      f(
        'topics',
        arr([
          f('errorCode', 'int16'),
          f('name', 'string'),
          f('isInternal', 'bool', 1),
          f(
            'partitions',
            arr([
              f('errorCode', 'int16'),
              f('partitionIndex', 'int32'),
              f('leaderId', 'int32'),
              f('leaderEpoch', 'int32', 7, 0x7fff, -1),
              f('replicaNodes', arr('int32')),
              f('isrNodes', arr('int32')),
              f('offlineReplicas', arr('int32'), 5),
            ]),
          ),
          f('topicAuthorizedOperations', 'int32', 8, 0x7fff, -2147483648),
        ]),
      ),
      f('clusterAuthorizedOperations', 'int32', 8, 0x7fff, -2147483648),
    ],
  },
  [ApiKey.OffsetCommit]: {
    name: 'OffsetCommit',
    min: 0,
    max: 7,
    request: [
      f('groupId', 'string'),
      f('generationId', 'int32', 1, 0x7fff, -1),
      f('memberId', 'string', 1),
      f('groupInstanceId', 'nstring', 7, 0x7fff, null),
      f('retentionTimeMs', 'int64', 2, 4, -1),
      f(
        'topics',
        arr([
          f('name', 'string'),
          f(
            'partitions',
            arr([
              f('partitionIndex', 'int32'),
              f('committedOffset', 'int64'),
              f('commitTimestamp', 'int64', 1, 1, -1),
              f('committedLeaderEpoch', 'int32', 6, 0x7fff, -1),
              f('committedMetadata', 'nstring'),
            ]),
          ),
        ]),
      ),
    ],
    response: [
      throttle(3),
      f(
        'topics',
        arr([
          f('name', 'string'),
          f('partitions', arr([f('partitionIndex', 'int32'), f('errorCode', 'int16')])),
        ]),
      ),
    ],
  },
  [ApiKey.OffsetFetch]: {
    name: 'OffsetFetch',
    min: 0,
    max: 5,
    request: [
      f('groupId', 'string'),
      f('topics', arr([f('name', 'string'), f('partitionIndexes', arr('int32'))], 2)),
    ],
    response: [
      throttle(3),
      f(
        'topics',
        arr([
          f('name', 'string'),
          f(
            'partitions',
            arr([
              f('partitionIndex', 'int32'),
              f('committedOffset', 'int64'),
              f('committedLeaderEpoch', 'int32', 5, 0x7fff, -1),
              f('metadata', 'nstring'),
              f('errorCode', 'int16'),
            ]),
          ),
        ]),
      ),
      f('errorCode', 'int16', 2),
    ],
  },
  [ApiKey.FindCoordinator]: {
    name: 'FindCoordinator',
    min: 0,
    max: 2,
    request: [f('key', 'string'), f('keyType', 'int8', 1)],
    response: [
      throttle(1),
      f('errorCode', 'int16'),
      f('errorMessage', 'nstring', 1, 0x7fff, null),
      f('nodeId', 'int32'),
      f('host', 'string'),
      f('port', 'int32'),
    ],
  },
  [ApiKey.JoinGroup]: {
    name: 'JoinGroup',
    min: 0,
    max: 5,
    request: [
      f('groupId', 'string'),
      f('sessionTimeoutMs', 'int32'),
      f('rebalanceTimeoutMs', 'int32', 1, 0x7fff, -1),
      f('memberId', 'string'),
      f('groupInstanceId', 'nstring', 5, 0x7fff, null),
      f('protocolType', 'string'),
      f('protocols', arr([f('name', 'string'), f('metadata', 'bytes')])),
    ],
    response: [
      throttle(2),
      f('errorCode', 'int16'),
      f('generationId', 'int32'),
      f('protocolName', 'string'),
      f('leader', 'string'),
      f('memberId', 'string'),
      f(
        'members',
        arr([
          f('memberId', 'string'),
          f('groupInstanceId', 'nstring', 5, 0x7fff, null),
          f('metadata', 'bytes'),
        ]),
      ),
    ],
  },
  [ApiKey.Heartbeat]: {
    name: 'Heartbeat',
    min: 0,
    max: 3,
    request: [
      f('groupId', 'string'),
      f('generationId', 'int32'),
      f('memberId', 'string'),
      f('groupInstanceId', 'nstring', 3, 0x7fff, null),
    ],
    response: [throttle(1), f('errorCode', 'int16')],
  },
  [ApiKey.LeaveGroup]: {
    name: 'LeaveGroup',
    min: 0,
    max: 3,
    request: [
      f('groupId', 'string'),
      f('memberId', 'string', 0, 2),
      f('members', arr([f('memberId', 'string'), f('groupInstanceId', 'nstring')]), 3),
    ],
    response: [
      throttle(1),
      f('errorCode', 'int16'),
      f(
        'members',
        arr([f('memberId', 'string'), f('groupInstanceId', 'nstring'), f('errorCode', 'int16')]),
        3,
      ),
    ],
  },
  [ApiKey.SyncGroup]: {
    name: 'SyncGroup',
    min: 0,
    max: 3,
    request: [
      f('groupId', 'string'),
      f('generationId', 'int32'),
      f('memberId', 'string'),
      f('groupInstanceId', 'nstring', 3, 0x7fff, null),
      f('assignments', arr([f('memberId', 'string'), f('assignment', 'bytes')])),
    ],
    response: [throttle(1), f('errorCode', 'int16'), f('assignment', 'bytes')],
  },
  [ApiKey.DescribeGroups]: {
    name: 'DescribeGroups',
    min: 0,
    max: 4,
    request: [f('groups', arr('string')), f('includeAuthorizedOperations', 'bool', 3)],
    response: [
      throttle(1),
      f(
        'groups',
        arr([
          f('errorCode', 'int16'),
          f('groupId', 'string'),
          f('groupState', 'string'),
          f('protocolType', 'string'),
          f('protocolData', 'string'),
          f(
            'members',
            arr([
              f('memberId', 'string'),
              f('groupInstanceId', 'nstring', 4, 0x7fff, null),
              f('clientId', 'string'),
              f('clientHost', 'string'),
              f('memberMetadata', 'bytes'),
              f('memberAssignment', 'bytes'),
            ]),
          ),
          f('authorizedOperations', 'int32', 3, 0x7fff, -2147483648),
        ]),
      ),
    ],
  },
  [ApiKey.ListGroups]: {
    name: 'ListGroups',
    min: 0,
    max: 2,
    request: [],
    response: [
      throttle(1),
      f('errorCode', 'int16'),
      f('groups', arr([f('groupId', 'string'), f('protocolType', 'string')])),
    ],
  },
  [ApiKey.ApiVersions]: {
    name: 'ApiVersions',
    min: 0,
    max: 2,
    request: [],
    response: [
      f('errorCode', 'int16'),
      f('apiKeys', arr([f('apiKey', 'int16'), f('minVersion', 'int16'), f('maxVersion', 'int16')])),
      throttle(1),
    ],
  },
  [ApiKey.CreateTopics]: {
    name: 'CreateTopics',
    min: 0,
    max: 4,
    request: [
      f(
        'topics',
        arr([
          f('name', 'string'),
          f('numPartitions', 'int32'),
          f('replicationFactor', 'int16'),
          f('assignments', arr([f('partitionIndex', 'int32'), f('brokerIds', arr('int32'))])),
          f('configs', arr([f('name', 'string'), f('value', 'nstring')])),
        ]),
      ),
      f('timeoutMs', 'int32'),
      f('validateOnly', 'bool', 1),
    ],
    response: [
      throttle(2),
      f(
        'topics',
        arr([f('name', 'string'), f('errorCode', 'int16'), f('errorMessage', 'nstring', 1, 0x7fff, null)]),
      ),
    ],
  },
  [ApiKey.DeleteTopics]: {
    name: 'DeleteTopics',
    min: 0,
    max: 3,
    request: [f('topicNames', arr('string')), f('timeoutMs', 'int32')],
    response: [throttle(1), f('responses', arr([f('name', 'string'), f('errorCode', 'int16')]))],
  },
  [ApiKey.InitProducerId]: {
    name: 'InitProducerId',
    min: 0,
    max: 1,
    request: [f('transactionalId', 'nstring'), f('transactionTimeoutMs', 'int32')],
    response: [throttle(0), f('errorCode', 'int16'), f('producerId', 'int64'), f('producerEpoch', 'int16')],
  },
  [ApiKey.DeleteGroups]: {
    name: 'DeleteGroups',
    min: 0,
    max: 1,
    request: [f('groupsNames', arr('string'))],
    response: [throttle(0), f('results', arr([f('groupId', 'string'), f('errorCode', 'int16')]))],
  },
};

// ---- Typed views of the decoded messages (what the schemas above produce). ----

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: { name: string; partitions: { index: number; records: Buffer | null }[] }[];
}
export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}
export interface ProduceResponse {
  responses: { name: string; partitions: ProducePartitionResponse[] }[];
  throttleTimeMs: number;
}

export interface FetchPartitionRequest {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: number;
  logStartOffset: number;
  partitionMaxBytes: number;
}
export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: { topic: string; partitions: FetchPartitionRequest[] }[];
  forgottenTopicsData: { topic: string; partitions: number[] }[];
  rackId: string;
}
export interface FetchPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  preferredReadReplica: number;
  records: Buffer | Buffer[] | null;
}
export interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: { topic: string; partitions: FetchPartitionResponse[] }[];
}

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      currentLeaderEpoch: number;
      timestamp: number;
      maxNumOffsets: number;
    }[];
  }[];
}
export interface ListOffsetsPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  oldStyleOffsets: number[];
  timestamp: number;
  offset: number;
  leaderEpoch: number;
}
export interface ListOffsetsResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: ListOffsetsPartitionResponse[] }[];
}

export interface MetadataRequest {
  topics: { name: string }[] | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations: boolean;
  includeTopicAuthorizedOperations: boolean;
}
export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}
export interface MetadataTopic {
  errorCode: number;
  name: string;
  isInternal: boolean;
  partitions: MetadataPartition[];
  topicAuthorizedOperations: number;
}
export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
  clusterAuthorizedOperations: number;
}

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  retentionTimeMs: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      commitTimestamp: number;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }[];
  }[];
}
export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export interface OffsetFetchRequest {
  groupId: string;
  topics: { name: string; partitionIndexes: number[] }[] | null;
}
export interface OffsetFetchPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}
export interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: OffsetFetchPartition[] }[];
  errorCode: number;
}

export interface FindCoordinatorRequest {
  key: string;
  keyType: number;
}
export interface FindCoordinatorResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}
export interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}
export interface ErrorOnlyResponse {
  throttleTimeMs: number;
  errorCode: number;
}

export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}
export interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}
export interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  assignment: Buffer;
}

export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}
export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
  authorizedOperations: number;
}
export interface DescribeGroupsResponse {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

export interface ListGroupsResponse {
  throttleTimeMs: number;
  errorCode: number;
  groups: { groupId: string; protocolType: string }[];
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
  throttleTimeMs: number;
}

export interface CreateTopicsRequest {
  topics: {
    name: string;
    numPartitions: number;
    replicationFactor: number;
    assignments: { partitionIndex: number; brokerIds: number[] }[];
    configs: { name: string; value: string | null }[];
  }[];
  timeoutMs: number;
  validateOnly: boolean;
}
export interface CreateTopicsResponse {
  throttleTimeMs: number;
  topics: { name: string; errorCode: number; errorMessage: string | null }[];
}

export interface DeleteTopicsRequest {
  topicNames: string[];
  timeoutMs: number;
}
export interface DeleteTopicsResponse {
  throttleTimeMs: number;
  responses: { name: string; errorCode: number }[];
}

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
}
export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface DeleteGroupsRequest {
  groupsNames: string[];
}
export interface DeleteGroupsResponse {
  throttleTimeMs: number;
  results: { groupId: string; errorCode: number }[];
}
