// Consumer-group coordinator behaviour as real clients see it: MEMBER_ID_REQUIRED handshake,
// rebalance on join and on leave, eviction of a member that stops heartbeating.
import { Consumer, Kafka } from 'kafkajs';
import { RunningBroker } from '../src';
import { ChildConsumer, Clock } from './helpers/child-consumer';
import { createTopic, TestContext, uniqueName, waitFor } from './helpers/harness';
import { ErrorCode, RawClient } from './helpers/raw-protocol';

interface Member {
  consumer: Consumer;
  assignment: () => number[];
  received: Array<{ partition: number; value: string }>;
}

describe('consumer group protocol', () => {
  const ctx = new TestContext();
  let broker: RunningBroker;
  const children: ChildConsumer[] = [];
  const raws: RawClient[] = [];

  beforeAll(async () => {
    broker = await ctx.startBroker();
  });
  afterEach(async () => {
    raws.splice(0).forEach((r) => r.close());
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });
  afterAll(async () => {
    await ctx.cleanup();
  });

  async function member(
    kafka: Kafka,
    groupId: string,
    topic: string,
    sessionTimeout = 30_000,
  ): Promise<Member> {
    const consumer = ctx.consumer(kafka, {
      groupId,
      sessionTimeout,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
    });
    let assignment: number[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    });
    const received: Member['received'] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) =>
        void received.push({ partition, value: String(message.value) }),
    });
    return { consumer, assignment: () => assignment, received };
  }

  it('JoinGroup v4 with an empty member id answers MEMBER_ID_REQUIRED with an id, which then joins', async () => {
    const groupId = uniqueName('raw-join');
    const c = await RawClient.connect(broker.host, broker.port);
    raws.push(c);
    const first = await c.joinGroup(groupId, '', ['some-topic']);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).not.toBe('');
    const second = await c.joinGroup(groupId, first.memberId, ['some-topic']);
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(second.memberId).toBe(first.memberId);
    expect(second.generationId).toBeGreaterThanOrEqual(1);
    expect(second.leader).toBe(first.memberId);
    expect(second.members).toEqual([first.memberId]); // the leader gets the member list
    // an unknown, non-empty member id is refused
    const bogus = await c.joinGroup(groupId, 'not-a-member', ['some-topic']);
    expect(bogus.errorCode).toBe(25); // UNKNOWN_MEMBER_ID
  });

  it('rebalances when a second member joins and when it leaves', async () => {
    const topic = uniqueName('rebal');
    const groupId = uniqueName('rebal-group');
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, 4);
    const producer = await ctx.producer(kafka);

    const a = await member(kafka, groupId, topic);
    await waitFor('A to own all partitions', () => a.assignment().join() === '0,1,2,3');

    const b = await member(kafka, groupId, topic);
    await waitFor(
      'A and B to split the partitions',
      () => a.assignment().length === 2 && b.assignment().length === 2,
      30_000,
    );
    expect([...a.assignment(), ...b.assignment()].sort()).toEqual([0, 1, 2, 3]);
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]!.members).toHaveLength(2);

    // Traffic now follows the split: each member only sees its own partitions.
    await producer.send({
      topic,
      messages: Array.from({ length: 40 }, (_, i) => ({ value: `split-${i}`, partition: i % 4 })),
    });
    await waitFor('40 messages across A and B', () => a.received.length + b.received.length === 40);
    expect(new Set(a.received.map((r) => r.partition))).toEqual(new Set(a.assignment()));
    expect(new Set(b.received.map((r) => r.partition))).toEqual(new Set(b.assignment()));

    // B leaves cleanly (LeaveGroup): A gets everything back well before any session timeout (30 s).
    const t0 = Date.now();
    await b.consumer.disconnect();
    await waitFor('A to own all partitions again', () => a.assignment().join() === '0,1,2,3', 20_000, 50);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await producer.send({
      topic,
      messages: Array.from({ length: 8 }, (_, i) => ({ value: `after-${i}`, partition: i % 4 })),
    });
    await waitFor(
      'A to receive post-leave traffic on all partitions',
      () => a.received.filter((r) => r.value.startsWith('after-')).length === 8,
    );
    expect(new Set(a.received.filter((r) => r.value.startsWith('after-')).map((r) => r.partition))).toEqual(
      new Set([0, 1, 2, 3]),
    );
  });

  it('evicts a member that stops heartbeating after its session timeout; the other takes over', async () => {
    const topic = uniqueName('evict');
    const groupId = uniqueName('evict-group');
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, 4);
    const producer = await ctx.producer(kafka);
    const SESSION = 6000;

    const frozen = new ChildConsumer(
      { brokers: [broker.address], groupId, topic, sessionTimeout: SESSION, heartbeatInterval: 300 },
      new Clock(),
    );
    children.push(frozen);
    await waitFor('child to join', () => frozen.joins > 0, 30_000);
    const a = await member(kafka, groupId, topic);
    await waitFor('a 2/2 split', () => a.assignment().length === 2 && frozen.assignment.length === 2, 30_000);
    // let the generation settle so the child's heartbeats are known good
    await waitFor('a Stable 2-member group', async () => {
      const { groups } = await admin.describeGroups([groupId]);
      return groups[0]!.state === 'Stable' && groups[0]!.members.length === 2;
    });
    const childParts = [...frozen.assignment];

    // Freeze the child: its sockets stay open, but it sends nothing (no heartbeats, no LeaveGroup).
    frozen.signal('SIGSTOP');
    const t0 = Date.now();
    await waitFor(
      'A to take over every partition',
      () => a.assignment().join() === '0,1,2,3',
      SESSION + 20_000,
      50,
    );
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(SESSION * 0.75); // evicted by the session timer, not earlier
    expect(elapsed).toBeLessThan(SESSION + 15_000);
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]!.members).toHaveLength(1);

    await producer.send({ topic, messages: childParts.map((p) => ({ value: `orphan-${p}`, partition: p })) });
    await waitFor('A to consume the evicted member’s partitions', () =>
      childParts.every((p) => a.received.some((r) => r.value === `orphan-${p}`)),
    );

    // The frozen member wakes up (think: a long GC pause or a suspended laptop): its stale member id
    // is rejected, it rejoins as a new member and the partitions are split again.
    const joinsBefore = frozen.joins;
    frozen.signal('SIGCONT');
    await waitFor(
      'the woken member to rejoin and get a share',
      () => frozen.joins > joinsBefore && frozen.assignment.length === 2 && a.assignment().length === 2,
      30_000,
    );
    expect([...frozen.assignment, ...a.assignment()].sort()).toEqual([0, 1, 2, 3]);
    await waitFor('a Stable 2-member group again', async () => {
      const { groups: g } = await admin.describeGroups([groupId]);
      return g[0]!.state === 'Stable' && g[0]!.members.length === 2;
    });
  });
});
