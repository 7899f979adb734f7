// Classic consumer-group coordinator (JoinGroup/SyncGroup/Heartbeat/LeaveGroup), modelled on Kafka's
// GroupCoordinator state machine: Empty → PreparingRebalance → CompletingRebalance → Stable.
// Error codes per request and state mirror Kafka 2.x so unmodified clients behave as against Kafka.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../errors';
import type { DescribedGroup, JoinGroupRequest, JoinGroupResponse } from '../protocol/messages';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface SyncResult {
  errorCode: number;
  assignment: Buffer;
}

interface Member {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  joinCallback: ((r: JoinGroupResponse) => void) | null;
  syncCallback: ((r: SyncResult) => void) | null;
  heartbeatDeadline: number;
}

class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet → expiry deadline. */
  readonly pending = new Map<string, number>();
  joinTimer: NodeJS.Timeout | null = null;
  initialDelayActive = false;
  newMemberAdded = false;
  constructor(readonly id: string) {}
}

export interface CoordinatorOptions {
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

const EMPTY = Buffer.alloc(0);
const SWEEP_INTERVAL_MS = 100;
const STALL_TOLERANCE_MS = 500;

function joinError(memberId: string, errorCode: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolName: '',
    leader: '',
    memberId,
    members: [],
  };
}

function sameProtocols(
  a: { name: string; metadata: Buffer }[],
  b: { name: string; metadata: Buffer }[],
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i].name !== b[i].name || !a[i].metadata.equals(b[i].metadata)) return false;
  return true;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: CoordinatorOptions) {
    // Session expiry is checked by one cheap periodic sweep instead of a timer per member.
    let last = Date.now();
    this.sweeper = setInterval(() => {
      const now = Date.now();
      const stall = now - last - SWEEP_INTERVAL_MS;
      last = now;
      // While this process's event loop was blocked (GC, sync I/O, or an in-process test hogging the
      // thread) no heartbeat could be read: do not evict members for the broker's own stall.
      if (stall > STALL_TOLERANCE_MS) this.extendDeadlines(stall);
      this.expireSessions(now);
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  // ---------------------------------------------------------------- JoinGroup

  join(
    req: JoinGroupRequest,
    apiVersion: number,
    clientId: string,
    clientHost: string,
  ): Promise<JoinGroupResponse> {
    const { groupId, memberId } = req;
    if (!groupId) return Promise.resolve(joinError(memberId, ErrorCode.INVALID_GROUP_ID));
    if (
      req.sessionTimeoutMs < this.opts.minSessionTimeoutMs ||
      req.sessionTimeoutMs > this.opts.maxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const unknown = memberId === '';
    let group = this.groups.get(groupId);
    if (!group) {
      if (!unknown) return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    if (group.state === 'Dead')
      return Promise.resolve(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!this.supportsProtocols(group, req))
      return Promise.resolve(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));

    if (unknown) {
      const newId = `${clientId || 'member'}-${randomUUID()}`;
      if (apiVersion >= 4) {
        // KIP-394: hand out the id first; the member joins for real with it.
        group.pending.set(newId, Date.now() + req.sessionTimeoutMs);
        return Promise.resolve(joinError(newId, ErrorCode.MEMBER_ID_REQUIRED));
      }
      return this.addMemberAndRebalance(group, newId, req, clientId, clientHost);
    }
    if (group.pending.has(memberId)) {
      group.pending.delete(memberId);
      return this.addMemberAndRebalance(group, memberId, req, clientId, clientHost);
    }
    const member = group.members.get(memberId);
    if (!member) return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));

    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req);
      case 'CompletingRebalance':
        if (sameProtocols(member.protocols, req.protocols)) {
          // The member probably lost the JoinGroup response: repeat the current generation's answer.
          return Promise.resolve(this.joinResponse(group, member));
        }
        return this.updateMemberAndRebalance(group, member, req);
      case 'Stable':
        if (group.leaderId === memberId || !sameProtocols(member.protocols, req.protocols)) {
          return this.updateMemberAndRebalance(group, member, req);
        }
        return Promise.resolve(this.joinResponse(group, member));
      default:
        return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private supportsProtocols(group: Group, req: JoinGroupRequest): boolean {
    if (!req.protocolType || req.protocols.length === 0) return false;
    if (group.members.size === 0) return true;
    if (req.protocolType !== group.protocolType) return false;
    const candidates = this.candidateProtocols(group);
    return req.protocols.some((p) => candidates.has(p.name));
  }

  private candidateProtocols(group: Group): Set<string> {
    let set: Set<string> | null = null;
    for (const m of group.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      if (set === null) set = names;
      else for (const n of set) if (!names.has(n)) set.delete(n);
    }
    return set ?? new Set();
  }

  private selectProtocol(group: Group): string {
    const candidates = this.candidateProtocols(group);
    const votes = new Map<string, number>();
    for (const m of group.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  private addMemberAndRebalance(
    group: Group,
    memberId: string,
    req: JoinGroupRequest,
    clientId: string,
    clientHost: string,
  ): Promise<JoinGroupResponse> {
    return new Promise((resolve) => {
      const member: Member = {
        memberId,
        groupInstanceId: req.groupInstanceId,
        clientId,
        clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        protocols: req.protocols,
        assignment: EMPTY,
        joinCallback: resolve,
        syncCallback: null,
        heartbeatDeadline: Date.now() + req.sessionTimeoutMs,
      };
      if (group.members.size === 0) group.protocolType = req.protocolType;
      if (group.leaderId === null) group.leaderId = memberId;
      group.members.set(memberId, member);
      group.newMemberAdded = true;
      this.opts.log('debug', 'member joined group', { group: group.id, memberId });
      this.maybePrepareRebalance(group);
      this.tryCompleteJoin(group);
    });
  }

  private updateMemberAndRebalance(
    group: Group,
    member: Member,
    req: JoinGroupRequest,
  ): Promise<JoinGroupResponse> {
    return new Promise((resolve) => {
      // A duplicate JoinGroup supersedes the earlier one still waiting.
      member.joinCallback?.(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
      member.protocols = req.protocols;
      member.sessionTimeoutMs = req.sessionTimeoutMs;
      if (req.rebalanceTimeoutMs > 0) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
      member.joinCallback = resolve;
      this.maybePrepareRebalance(group);
      this.tryCompleteJoin(group);
    });
  }

  private maybePrepareRebalance(group: Group): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') {
      this.prepareRebalance(group);
    }
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      // Members waiting for the leader's assignment must rejoin instead.
      for (const m of group.members.values()) {
        m.assignment = EMPTY;
        if (m.syncCallback) {
          const cb = m.syncCallback;
          m.syncCallback = null;
          cb({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
        }
      }
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.clearJoinTimer(group);
    if (wasEmpty && this.opts.initialRebalanceDelayMs > 0) {
      group.initialDelayActive = true;
      group.newMemberAdded = false;
      this.scheduleInitialDelay(group, this.maxRebalanceTimeout(group));
    } else {
      group.joinTimer = setTimeout(() => this.completeJoin(group), this.maxRebalanceTimeout(group));
    }
    this.opts.log('debug', 'preparing rebalance', { group: group.id, generation: group.generationId });
  }

  /** group.initial.rebalance.delay.ms: keep waiting while new members keep arriving, up to the rebalance timeout. */
  private scheduleInitialDelay(group: Group, remainingMs: number): void {
    const delay = Math.min(this.opts.initialRebalanceDelayMs, Math.max(remainingMs, 0));
    group.joinTimer = setTimeout(() => {
      group.joinTimer = null;
      const remaining = remainingMs - delay;
      if (group.newMemberAdded && remaining > 0) {
        group.newMemberAdded = false;
        this.scheduleInitialDelay(group, remaining);
        return;
      }
      group.initialDelayActive = false;
      this.completeJoin(group);
    }, delay);
  }

  private maxRebalanceTimeout(group: Group): number {
    let max = 0;
    for (const m of group.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  private clearJoinTimer(group: Group): void {
    if (group.joinTimer) clearTimeout(group.joinTimer);
    group.joinTimer = null;
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.initialDelayActive) return;
    if (group.pending.size > 0) return;
    for (const m of group.members.values()) if (!m.joinCallback) return;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    this.clearJoinTimer(group);
    group.initialDelayActive = false;
    // Members that did not rejoin within the rebalance timeout are dropped from the new generation.
    for (const m of [...group.members.values()]) {
      if (!m.joinCallback) this.removeMember(group, m);
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.state = 'Empty';
      this.opts.log('debug', 'group is empty', { group: group.id, generation: group.generationId });
      return;
    }
    if (group.leaderId === null || !group.members.has(group.leaderId)) {
      group.leaderId = group.members.keys().next().value ?? null;
    }
    group.protocolName = this.selectProtocol(group);
    group.state = 'CompletingRebalance';
    const now = Date.now();
    this.opts.log('debug', 'rebalance: join complete', {
      group: group.id,
      generation: group.generationId,
      members: group.members.size,
      protocol: group.protocolName,
    });
    for (const m of group.members.values()) {
      const cb = m.joinCallback;
      m.joinCallback = null;
      m.heartbeatDeadline = now + m.sessionTimeoutMs;
      cb?.(this.joinResponse(group, m));
    }
  }

  private joinResponse(group: Group, m: Member): JoinGroupResponse {
    const isLeader = group.leaderId === m.memberId;
    const protocol = group.protocolName ?? '';
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName: protocol,
      leader: group.leaderId ?? '',
      memberId: m.memberId,
      members: isLeader
        ? [...group.members.values()].map((x) => ({
            memberId: x.memberId,
            groupInstanceId: x.groupInstanceId,
            metadata: x.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY,
          }))
        : [],
    };
  }

  /** Drops a member, failing whatever it is waiting for, and moves the leadership on. */
  private removeMember(group: Group, m: Member): void {
    group.members.delete(m.memberId);
    if (m.joinCallback) {
      const cb = m.joinCallback;
      m.joinCallback = null;
      cb(joinError(m.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
    if (m.syncCallback) {
      const cb = m.syncCallback;
      m.syncCallback = null;
      cb({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    }
    if (group.leaderId === m.memberId) group.leaderId = group.members.keys().next().value ?? null;
  }

  private removeMemberAndUpdateGroup(group: Group, m: Member, reason: string): void {
    this.opts.log('debug', 'member removed', { group: group.id, memberId: m.memberId, reason });
    this.removeMember(group, m);
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group);
    this.tryCompleteJoin(group);
  }

  // ---------------------------------------------------------------- SyncGroup

  sync(
    groupId: string,
    generationId: number,
    memberId: string,
    assignments: { memberId: string; assignment: Buffer }[],
  ): Promise<SyncResult> {
    const group = this.groups.get(groupId);
    const fail = (errorCode: number): Promise<SyncResult> =>
      Promise.resolve({ errorCode, assignment: EMPTY });
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const member = group.members.get(memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    switch (group.state) {
      case 'Empty':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        member.heartbeatDeadline = Date.now() + member.sessionTimeoutMs;
        return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          member.syncCallback?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
          member.syncCallback = resolve;
          member.heartbeatDeadline = Date.now() + member.sessionTimeoutMs;
          if (group.leaderId !== memberId) return;
          const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
          group.state = 'Stable';
          this.opts.log('debug', 'rebalance: group stable', {
            group: group.id,
            generation: group.generationId,
          });
          for (const m of group.members.values()) {
            m.assignment = byMember.get(m.memberId) ?? EMPTY;
            const cb = m.syncCallback;
            m.syncCallback = null;
            cb?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
          }
        });
    }
  }

  // ---------------------------------------------------------------- Heartbeat / LeaveGroup

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        member.heartbeatDeadline = Date.now() + member.sessionTimeoutMs;
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        member.heartbeatDeadline = Date.now() + member.sessionTimeoutMs;
        return ErrorCode.NONE;
    }
  }

  /** Removes the given members; returns one error code per member id. */
  leave(groupId: string, memberIds: string[]): number[] {
    const group = this.groups.get(groupId);
    return memberIds.map((memberId) => {
      if (!group || group.state === 'Dead') return ErrorCode.UNKNOWN_MEMBER_ID;
      if (group.pending.delete(memberId)) {
        this.tryCompleteJoin(group);
        return ErrorCode.NONE;
      }
      const m = group.members.get(memberId);
      if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMemberAndUpdateGroup(group, m, 'LeaveGroup');
      return ErrorCode.NONE;
    });
  }

  private extendDeadlines(ms: number): void {
    this.opts.log('debug', 'event loop stalled; extending session deadlines', { ms });
    for (const group of this.groups.values()) {
      for (const [id, deadline] of group.pending) group.pending.set(id, deadline + ms);
      for (const m of group.members.values()) m.heartbeatDeadline += ms;
    }
  }

  private expireSessions(now: number): void {
    for (const group of this.groups.values()) {
      for (const [id, deadline] of group.pending) {
        if (deadline < now) {
          group.pending.delete(id);
          this.tryCompleteJoin(group);
        }
      }
      for (const m of [...group.members.values()]) {
        // Members waiting in JoinGroup are governed by the rebalance timeout instead.
        if (!m.joinCallback && m.heartbeatDeadline < now)
          this.removeMemberAndUpdateGroup(group, m, 'session timeout');
      }
    }
  }

  // ---------------------------------------------------------------- offsets, admin

  /**
   * Kafka's OffsetCommit group checks. Returns the error code for the whole request. A commit with
   * generation -1 against an empty or unknown group is a standalone ("simple consumer") commit.
   */
  validateCommit(groupId: string, generationId: number, memberId: string): number {
    if (!groupId) return ErrorCode.INVALID_GROUP_ID;
    let group = this.groups.get(groupId);
    if (!group) {
      if (generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      group = new Group(groupId);
      this.groups.set(groupId, group);
      return ErrorCode.NONE;
    }
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    member.heartbeatDeadline = Date.now() + member.sessionTimeoutMs;
    return ErrorCode.NONE;
  }

  /** DeleteGroups: only groups without members can be deleted (NON_EMPTY_GROUP otherwise). */
  deleteGroup(groupId: string): number {
    if (!groupId) return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (!group || group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    this.clearJoinTimer(group);
    group.state = 'Dead';
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  /** Makes a group known (e.g. it has committed offsets recovered from disk). */
  ensureGroup(groupId: string): void {
    if (!this.groups.has(groupId)) this.groups.set(groupId, new Group(groupId));
  }

  describe(groupId: string): DescribedGroup {
    const group = this.groups.get(groupId);
    const base = { errorCode: ErrorCode.NONE, groupId, authorizedOperations: -2147483648 };
    if (!group) return { ...base, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    const stable = group.state === 'Stable';
    const protocol = group.protocolName ?? '';
    return {
      ...base,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? protocol : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? (m.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  list(): { groupId: string; protocolType: string }[] {
    return [...this.groups.values()]
      .filter((g) => g.state !== 'Dead')
      .map((g) => ({ groupId: g.id, protocolType: g.protocolType ?? '' }));
  }

  state(groupId: string): GroupState | undefined {
    return this.groups.get(groupId)?.state;
  }

  /** Fails every waiting request and stops timers (broker shutdown). */
  close(): void {
    clearInterval(this.sweeper);
    for (const group of this.groups.values()) {
      this.clearJoinTimer(group);
      for (const m of group.members.values()) {
        m.joinCallback?.(joinError(m.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        m.syncCallback?.({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, assignment: EMPTY });
        m.joinCallback = null;
        m.syncCallback = null;
      }
      group.state = 'Dead';
    }
  }
}
