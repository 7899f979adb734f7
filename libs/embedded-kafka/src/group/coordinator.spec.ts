import { ErrorCode } from '../errors';
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/messages';
import { GroupCoordinator } from './coordinator';

const noLog = (): void => undefined;
const meta = (s: string): Buffer => Buffer.from(s);

function req(memberId: string, over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: meta(memberId || 'x') }],
    ...over,
  };
}

/** Joins via the KIP-394 two-step handshake (JoinGroup v5). */
async function joinNew(
  c: GroupCoordinator,
  clientId: string,
  over: Partial<JoinGroupRequest> = {},
): Promise<{ id: string; join: Promise<JoinGroupResponse> }> {
  const first = await c.join(req('', over), 5, clientId, '/127.0.0.1');
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  expect(first.memberId.startsWith(clientId)).toBe(true);
  return { id: first.memberId, join: c.join(req(first.memberId, over), 5, clientId, '/127.0.0.1') };
}

describe('GroupCoordinator', () => {
  let c: GroupCoordinator;
  beforeEach(() => {
    c = new GroupCoordinator({
      initialRebalanceDelayMs: 0,
      minSessionTimeoutMs: 100,
      maxSessionTimeoutMs: 60_000,
      log: noLog,
    });
  });
  afterEach(() => c.close());

  it('runs a single member through join, sync and heartbeat', async () => {
    const a = await joinNew(c, 'a');
    const j = await a.join;
    expect(j).toMatchObject({
      errorCode: 0,
      generationId: 1,
      protocolName: 'range',
      leader: a.id,
      memberId: a.id,
    });
    expect(j.members.map((m) => m.memberId)).toEqual([a.id]);
    expect(c.state('g')).toBe('CompletingRebalance');
    expect(c.heartbeat('g', 1, a.id)).toBe(ErrorCode.NONE);
    const s = await c.sync('g', 1, a.id, [{ memberId: a.id, assignment: meta('A') }]);
    expect(s).toEqual({ errorCode: 0, assignment: meta('A') });
    expect(c.state('g')).toBe('Stable');
    expect(c.describe('g')).toMatchObject({
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
    });
    expect(c.describe('g').members[0].memberAssignment).toEqual(meta('A'));
  });

  it('rejects joins with bad session timeouts, empty group ids and inconsistent protocols', async () => {
    expect((await c.join(req('', { sessionTimeoutMs: 10 }), 5, 'a', 'h')).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await c.join(req('', { groupId: '' }), 5, 'a', 'h')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await c.join(req('nope'), 5, 'a', 'h')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const a = await joinNew(c, 'a');
    await a.join;
    const other = await c.join(
      req('', { protocols: [{ name: 'roundrobin', metadata: meta('') }] }),
      5,
      'b',
      'h',
    );
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const otherType = await c.join(req('', { protocolType: 'connect' }), 5, 'b', 'h');
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('joins directly without MEMBER_ID_REQUIRED below v4', async () => {
    const j = await c.join(req(''), 3, 'old', 'h');
    expect(j.errorCode).toBe(0);
    expect(j.memberId.startsWith('old-')).toBe(true);
  });

  it('rebalances when a second member joins: the first learns it via heartbeat and rejoins', async () => {
    const a = await joinNew(c, 'a');
    await a.join;
    await c.sync('g', 1, a.id, [{ memberId: a.id, assignment: meta('all') }]);
    const b = await joinNew(c, 'b');
    expect(c.state('g')).toBe('PreparingRebalance');
    // Kafka semantics per state
    expect(c.heartbeat('g', 1, a.id)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await c.sync('g', 1, a.id, [])).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(c.validateCommit('g', 1, a.id)).toBe(ErrorCode.NONE); // commits still allowed while preparing
    const aj = c.join(req(a.id), 5, 'a', 'h');
    const [ra, rb] = await Promise.all([aj, b.join]);
    expect(ra.generationId).toBe(2);
    expect(rb.generationId).toBe(2);
    expect(ra.leader).toBe(a.id); // the first member stays leader
    expect(ra.members.map((m) => m.memberId).sort()).toEqual([a.id, b.id].sort());
    expect(rb.members).toEqual([]); // only the leader sees member metadata
    expect(c.heartbeat('g', 1, a.id)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(c.validateCommit('g', 2, a.id)).toBe(ErrorCode.REBALANCE_IN_PROGRESS); // CompletingRebalance
    // follower waits for the leader's assignment
    const fs = c.sync('g', 2, b.id, []);
    let followerDone = false;
    void fs.then(() => (followerDone = true));
    await new Promise((r) => setImmediate(r));
    expect(followerDone).toBe(false);
    const ls = await c.sync('g', 2, a.id, [
      { memberId: a.id, assignment: meta('p0') },
      { memberId: b.id, assignment: meta('p1') },
    ]);
    expect(ls.assignment).toEqual(meta('p0'));
    expect((await fs).assignment).toEqual(meta('p1'));
    expect(c.state('g')).toBe('Stable');
    expect(c.validateCommit('g', 2, b.id)).toBe(ErrorCode.NONE);
    expect(c.validateCommit('g', -1, '')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('leaving triggers a rebalance; the last member leaving empties the group', async () => {
    const a = await joinNew(c, 'a');
    await a.join;
    await c.sync('g', 1, a.id, []);
    expect(c.leave('g', [a.id, 'ghost'])).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(c.state('g')).toBe('Empty');
    expect(c.heartbeat('g', 2, a.id)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.leave('nogroup', ['x'])).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // standalone commits are allowed on an empty group, generation commits are not
    expect(c.validateCommit('g', -1, '')).toBe(ErrorCode.NONE);
    expect(c.validateCommit('g', 2, a.id)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.validateCommit('fresh', -1, '')).toBe(ErrorCode.NONE);
    expect(c.validateCommit('fresh2', 3, 'm')).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('expires a member whose session times out and rebalances the rest', async () => {
    const d = new GroupCoordinator({
      initialRebalanceDelayMs: 50,
      minSessionTimeoutMs: 100,
      maxSessionTimeoutMs: 60_000,
      log: noLog,
    });
    try {
      const a = await joinNew(d, 'a', { sessionTimeoutMs: 300 });
      const b = await joinNew(d, 'b', { sessionTimeoutMs: 300 });
      const [ra, rb0] = await Promise.all([a.join, b.join]);
      expect(rb0.generationId).toBe(1);
      await Promise.all([d.sync('g', 1, a.id, []), d.sync('g', 1, b.id, [])]);
      // only b keeps heartbeating; a's session expires
      let code: number = ErrorCode.NONE;
      const until = Date.now() + 1500;
      while (Date.now() < until && code === ErrorCode.NONE) {
        await new Promise((r) => setTimeout(r, 50));
        code = d.heartbeat('g', 1, b.id);
      }
      expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      expect(d.state('g')).toBe('PreparingRebalance');
      const rb = await d.join(req(b.id, { sessionTimeoutMs: 300 }), 5, 'b', 'h');
      expect(rb.generationId).toBe(ra.generationId + 1);
      expect(rb.leader).toBe(b.id);
      expect(rb.members.map((m) => m.memberId)).toEqual([b.id]);
    } finally {
      d.close();
    }
  });

  it('does not evict members for a stall of its own event loop', async () => {
    const a = await joinNew(c, 'a', { sessionTimeoutMs: 300 });
    await a.join;
    await c.sync('g', 1, a.id, []);
    await new Promise((r) => setTimeout(r, 150)); // let the sweeper tick once
    const until = Date.now() + 900; // block the thread well past the session timeout
    while (Date.now() < until) {
      /* busy */
    }
    // the member keeps the session time it had left when the stall began (~150 ms)
    await new Promise((r) => setTimeout(r, 20));
    expect(c.heartbeat('g', 1, a.id)).toBe(ErrorCode.NONE);
    // ...but a member that really stops heartbeating is still evicted
    await new Promise((r) => setTimeout(r, 600));
    expect(c.heartbeat('g', 1, a.id)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('drops members that do not rejoin within the rebalance timeout', async () => {
    const a = await joinNew(c, 'a', { rebalanceTimeoutMs: 200 });
    await a.join;
    await c.sync('g', 1, a.id, []);
    const b = await joinNew(c, 'b', { rebalanceTimeoutMs: 200 });
    const rb = await b.join; // a never rejoins
    expect(rb.generationId).toBe(2);
    expect(rb.leader).toBe(b.id);
    expect(c.describe('g').members.map((m) => m.memberId)).toEqual([b.id]);
  });

  it('honours group.initial.rebalance.delay.ms for a new group', async () => {
    const d = new GroupCoordinator({
      initialRebalanceDelayMs: 150,
      minSessionTimeoutMs: 100,
      maxSessionTimeoutMs: 60_000,
      log: noLog,
    });
    try {
      const t0 = Date.now();
      const a = await joinNew(d, 'a');
      const b = await joinNew(d, 'b');
      const [ra, rb] = await Promise.all([a.join, b.join]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      expect(ra.generationId).toBe(1);
      expect(rb.generationId).toBe(1);
      expect(ra.members.length + rb.members.length).toBe(2);
    } finally {
      d.close();
    }
  });

  it('describes unknown groups as Dead and lists known ones', async () => {
    expect(c.describe('none')).toMatchObject({ errorCode: 0, groupState: 'Dead', members: [] });
    const a = await joinNew(c, 'a');
    await a.join;
    expect(c.list()).toEqual([{ groupId: 'g', protocolType: 'consumer' }]);
    expect(c.describe('g')).toMatchObject({ groupState: 'CompletingRebalance', protocolData: '' });
  });

  it('selects the protocol all members support, by vote', async () => {
    const protos = (...names: string[]): { name: string; metadata: Buffer }[] =>
      names.map((name) => ({ name, metadata: meta(name) }));
    const a = await joinNew(c, 'a', { protocols: protos('roundrobin', 'range') });
    await a.join;
    await c.sync('g', 1, a.id, []);
    const b = await joinNew(c, 'b', { protocols: protos('range', 'sticky') });
    const [ra] = await Promise.all([
      c.join(req(a.id, { protocols: protos('roundrobin', 'range') }), 5, 'a', 'h'),
      b.join,
    ]);
    expect(ra.protocolName).toBe('range');
    expect(ra.members.every((m) => m.metadata.toString() === 'range')).toBe(true);
  });
});
