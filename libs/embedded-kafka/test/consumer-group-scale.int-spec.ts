// 100k messages over 6 partitions, a 3-member consumer group, one member SIGKILLed mid-stream,
// and a restarted member resuming at the committed offsets. Real kafkajs clients, real broker.
import { AssignerProtocol, Consumer, EachBatchPayload } from 'kafkajs';
import { RunningBroker } from '../src';
import { ChildConsumer, Clock } from './helpers/child-consumer';
import { createTopic, produceNumbered, sleep, TestContext, uniqueName, waitFor } from './helpers/harness';

interface Seen {
  partition: number;
  offset: number;
  key: string;
  value: string;
  seq: number;
}

/** In-process group member that commits each batch explicitly and records what it saw. */
function recordingMember(
  consumer: Consumer,
  topic: string,
  clock: Clock,
  sink: Seen[],
  throttle: { ms: number },
): { assignment: () => number[]; memberId: () => string; events: string[]; run: () => Promise<void> } {
  let assignment: number[] = [];
  let memberId = '';
  const events: string[] = []; // diagnostics for failure messages
  const t0 = Date.now();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    memberId = e.payload.memberId;
    events.push(`+${Date.now() - t0}ms join ${memberId.slice(-8)} [${assignment.join(',')}]`);
  });
  consumer.on(consumer.events.CRASH, (e) =>
    events.push(`+${Date.now() - t0}ms crash ${e.payload.error.message} restart=${e.payload.restart}`),
  );
  consumer.on(consumer.events.REBALANCING, () => events.push(`+${Date.now() - t0}ms rebalancing`));
  const eachBatch = async ({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> => {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    for (const m of batch.messages) {
      sink.push({
        partition: batch.partition,
        offset: Number(m.offset),
        key: String(m.key),
        value: String(m.value),
        seq: clock.tick(),
      });
    }
    const last = batch.messages[batch.messages.length - 1]!.offset;
    resolveOffset(last);
    try {
      await consumer.commitOffsets([
        { topic, partition: batch.partition, offset: String(BigInt(last) + 1n) },
      ]);
    } catch {
      // A commit racing a rebalance may be rejected (ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS):
      // the batch then counts as uncommitted and the next owner re-reads it.
    }
    await heartbeat();
    if (throttle.ms > 0) await sleep(throttle.ms);
  };
  return {
    assignment: () => assignment,
    memberId: () => memberId,
    events,
    run: async () => {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
    },
  };
}

describe('consumer group at scale (kafkajs)', () => {
  const ctx = new TestContext();
  let broker: RunningBroker;
  const children: ChildConsumer[] = [];

  beforeAll(async () => {
    broker = await ctx.startBroker();
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });
  afterAll(async () => {
    await ctx.cleanup();
  });

  it('delivers 100k messages to a 3-member group, survives a SIGKILLed member without loss or rewind', async () => {
    const TOTAL = 100_000;
    const PARTITIONS = 6;
    const topic = uniqueName('scale');
    const groupId = uniqueName('scale-group');
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, PARTITIONS);

    const producer = await ctx.producer(kafka);
    await produceNumbered(producer, topic, {
      count: TOTAL,
      partitions: PARTITIONS,
      batchSize: 100,
      concurrency: 8,
    });
    const ends = await admin.fetchTopicOffsets(topic);
    const endOf = new Map(ends.map((o) => [o.partition, Number(o.high)]));
    expect([...endOf.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
    for (let p = 0; p < PARTITIONS; p++)
      expect(endOf.get(p)).toBe(Math.floor(TOTAL / PARTITIONS) + (p < TOTAL % PARTITIONS ? 1 : 0));

    // Member 1 lives in a child process (so it can be SIGKILLed); members 2 and 3 in-process.
    // Everyone is throttled (small fetches + a pause per batch) until the kill, so the kill lands mid-stream.
    const clock = new Clock();
    const child = new ChildConsumer(
      {
        brokers: [broker.address],
        groupId,
        topic,
        sessionTimeout: 6000,
        heartbeatInterval: 500,
        maxBytesPerPartition: 2048,
        throttleMs: 100,
      },
      clock,
    );
    children.push(child);
    await waitFor('child member to join', () => child.joins > 0, 30_000);

    const throttle = { ms: 100 };
    const seen: Seen[] = [];
    const members = [0, 1].map(() => {
      const c = ctx.consumer(kafka, {
        groupId,
        sessionTimeout: 10_000,
        rebalanceTimeout: 10_000,
        heartbeatInterval: 500,
        maxBytesPerPartition: 2048,
        maxWaitTimeInMs: 200,
      });
      return recordingMember(c, topic, clock, seen, throttle);
    });
    await Promise.all(members.map((m) => m.run()));

    // The group settles with 3 members, 2 partitions each, disjoint and covering all 6.
    const stable = await waitFor(
      'a stable 3-member generation',
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const g = groups[0]!;
        if (g.state !== 'Stable' || g.members.length !== 3) return null;
        const byMember = new Map(
          g.members.map((m) => [
            m.memberId,
            (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [])
              .slice()
              .sort((a, b) => a - b),
          ]),
        );
        const childParts = byMember.get(child.memberId);
        if (!childParts || childParts.join() !== child.assignment.join()) return null;
        const local = members.map((m) => m.assignment());
        if (local.some((a) => a.length !== 2)) return null;
        return { byMember, childParts };
      },
      60_000,
      200,
    );
    const all = [...stable.byMember.values()].flat().sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5]);
    for (const parts of stable.byMember.values()) expect(parts).toHaveLength(2);
    const childParts = stable.childParts;

    // Let the child make committed progress on both of its partitions, then kill it mid-stream.
    const base = new Map(childParts.map((p) => [p, child.committed.get(p) ?? 0]));
    await waitFor(
      'child to commit progress on its partitions',
      () => childParts.every((p) => (child.committed.get(p) ?? 0) > base.get(p)! + 100),
      30_000,
    );
    await child.kill();
    const killSeq = clock.tick();

    const committedAtKill = new Map<number, number>();
    const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const p of fetched!.partitions) committedAtKill.set(p.partition, Number(p.offset));
    const childMax = new Map<number, number>();
    for (const r of child.records)
      childMax.set(r.partition, Math.max(childMax.get(r.partition) ?? -1, r.offset));
    for (const p of childParts) {
      const c = committedAtKill.get(p)!;
      expect(c).toBeGreaterThan(0);
      expect(c).toBeLessThan(endOf.get(p)!); // mid-stream
      expect(c).toBeGreaterThanOrEqual(child.committed.get(p)!); // what the child saw acknowledged
      expect(c).toBeLessThanOrEqual(childMax.get(p)! + 1); // never more than it read
    }

    // Survivors run at full speed; the dead member is evicted after its session timeout.
    throttle.ms = 0;
    const keyCount = (): number => {
      const keys = new Set<string>();
      for (const r of child.records) keys.add(r.key!);
      for (const r of seen) keys.add(r.key);
      return keys.size;
    };
    await waitFor('every message to be consumed', () => keyCount() === TOTAL, 90_000, 250);

    // Nothing lost, every value intact.
    const byKey = new Map<string, string>();
    for (const r of [...child.records.map((r) => ({ ...r, key: r.key!, value: r.value! })), ...seen]) {
      const i = Number(r.key.slice(2));
      expect(r.value).toBe(`v-${i}`);
      expect(r.partition).toBe(i % PARTITIONS);
      byKey.set(r.key, r.value);
    }
    expect(byKey.size).toBe(TOTAL);

    // Rebalanced onto the two survivors: together they own all six partitions.
    await waitFor(
      'survivors to own all partitions',
      () =>
        members
          .map((m) => m.assignment())
          .flat()
          .sort()
          .join() === '0,1,2,3,4,5',
      30_000,
    );
    const describe2 = async (): Promise<{ state: string; members: string[] }> => {
      const { groups } = await admin.describeGroups([groupId]);
      return { state: groups[0]!.state, members: groups[0]!.members.map((m) => m.memberId).sort() };
    };
    const want = { state: 'Stable', members: members.map((m) => m.memberId()).sort() };
    const got = await describe2();
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      throw new Error(
        `group after rebalance: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}; member events: ${JSON.stringify(members.map((m) => m.events))}`,
      );
    }

    // The dead member's partitions resumed exactly at its committed offsets, not from 0.
    for (const p of childParts) {
      const after = seen.filter((r) => r.partition === p && r.seq > killSeq);
      expect(after.length).toBeGreaterThan(0);
      expect(after[0]!.offset).toBe(committedAtKill.get(p));
    }

    // Duplicates are bounded by the uncommitted window: per partition, what the dead member read past
    // its last commit, plus at most one (uncommittable, rebalance-racing) batch elsewhere.
    const allRecords = [...child.records, ...seen];
    // A fetch of maxBytesPerPartition=2048 carries ~100 of these ~20-byte records; 256 is one generous batch.
    const oneBatch = 256;
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = allRecords.filter((r) => r.partition === p).map((r) => r.offset);
      const dups = offsets.length - new Set(offsets).size;
      const window = childParts.includes(p) ? childMax.get(p)! + 1 - committedAtKill.get(p)! : 0;
      expect(dups).toBeLessThanOrEqual(window + oneBatch);
    }
    expect(allRecords.length - TOTAL).toBeLessThan(TOTAL / 20);

    // All progress ends up committed at the log end.
    await waitFor(
      'committed offsets to reach the log end',
      async () => {
        const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return t!.partitions.every((x) => Number(x.offset) === endOf.get(x.partition));
      },
      30_000,
      250,
    );
  });

  it('a restarted member resumes exactly at the committed offsets', async () => {
    const PARTITIONS = 3;
    const PER_PARTITION = 300;
    const topic = uniqueName('resume');
    const groupId = uniqueName('resume-group');
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, PARTITIONS);
    const producer = await ctx.producer(kafka);
    await produceNumbered(producer, topic, {
      count: PARTITIONS * PER_PARTITION,
      partitions: PARTITIONS,
      batchSize: 50,
    });

    // First incarnation: commits only up to a per-partition target, then goes away.
    const target = (p: number): number => 50 + 40 * p;
    const first = ctx.consumer(kafka, {
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    const reached = new Set<number>();
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    await first.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const next = Number(message.offset) + 1;
        if (next <= target(partition)) {
          await first.commitOffsets([{ topic, partition, offset: String(next) }]);
          if (next === target(partition)) reached.add(partition);
        }
      },
    });
    await waitFor('first member to commit its targets', () => reached.size === PARTITIONS, 30_000);
    await first.disconnect();

    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedBy = new Map(committed!.partitions.map((p) => [p.partition, Number(p.offset)]));
    for (let p = 0; p < PARTITIONS; p++) expect(committedBy.get(p)).toBe(target(p));

    // Second incarnation, same group: fromBeginning must not matter, it starts at the commits.
    const second = ctx.consumer(kafka, {
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    const got = new Map<number, number[]>();
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    await second.run({
      eachMessage: async ({ partition, message }) => {
        got.set(partition, [...(got.get(partition) ?? []), Number(message.offset)]);
      },
    });
    const expectedCount = Array.from({ length: PARTITIONS }, (_, p) => PER_PARTITION - target(p)).reduce(
      (a, b) => a + b,
      0,
    );
    await waitFor(
      'second member to read the rest',
      () => [...got.values()].reduce((n, l) => n + l.length, 0) >= expectedCount,
      30_000,
    );
    await sleep(300); // anything beyond the expected set would show up now
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = got.get(p)!;
      expect(offsets[0]).toBe(committedBy.get(p));
      expect(offsets).toEqual(Array.from({ length: PER_PARTITION - target(p) }, (_, i) => target(p) + i));
    }
  });
});
