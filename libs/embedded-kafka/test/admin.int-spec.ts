// Every kafkajs admin call the platform relies on, against the embedded broker.
import { AssignerProtocol, KafkaJSProtocolError } from 'kafkajs';
import { RunningBroker } from '../src';
import { createTopic, TestContext, uniqueName, waitFor } from './helpers/harness';

describe('admin API (kafkajs)', () => {
  const ctx = new TestContext();
  let broker: RunningBroker;

  // A fresh broker per test: listTopics/listGroups assertions must not see other tests' state.
  beforeEach(async () => {
    broker = await ctx.startBroker({ autoCreateTopics: false });
  });
  afterEach(async () => {
    await ctx.cleanup();
  });

  it('createTopics, listTopics, fetchTopicMetadata, already-exists, deleteTopics', async () => {
    const admin = await ctx.admin(ctx.kafka(broker));
    const a = uniqueName('adm-a');
    const b = uniqueName('adm-b');
    expect(
      await admin.createTopics({
        topics: [
          { topic: a, numPartitions: 3 },
          { topic: b, numPartitions: 1 },
        ],
        waitForLeaders: true,
      }),
    ).toBe(true);

    const listed = await admin.listTopics();
    expect(listed).toEqual(expect.arrayContaining([a, b]));

    const md = await admin.fetchTopicMetadata({ topics: [a, b] });
    const byName = new Map(md.topics.map((t) => [t.name, t]));
    expect(
      byName
        .get(a)!
        .partitions.map((p) => p.partitionId)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(byName.get(b)!.partitions.map((p) => p.partitionId)).toEqual([0]);
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.brokers[0]!.port).toBe(broker.port);
    for (const p of byName.get(a)!.partitions) {
      expect(p.leader).toBe(cluster.brokers[0]!.nodeId);
      expect(p.replicas).toEqual([cluster.brokers[0]!.nodeId]);
      expect(p.isr).toEqual([cluster.brokers[0]!.nodeId]);
      expect(p.partitionErrorCode).toBe(0);
    }

    // createTopics on an existing topic: kafkajs reports false (TOPIC_ALREADY_EXISTS is swallowed) ...
    expect(await admin.createTopics({ topics: [{ topic: a, numPartitions: 3 }] })).toBe(false);
    // ... and the partition count did not change
    expect((await admin.fetchTopicMetadata({ topics: [a] })).topics[0]!.partitions).toHaveLength(3);
    // mixed: one new, one existing → the new one is created, kafkajs reports true
    const c = uniqueName('adm-c');
    await admin.createTopics({ topics: [{ topic: a }, { topic: c, numPartitions: 2 }] });
    expect((await admin.fetchTopicMetadata({ topics: [c] })).topics[0]!.partitions).toHaveLength(2);

    // invalid requests carry the broker's error through
    await expect(
      admin.createTopics({ topics: [{ topic: uniqueName('zero'), numPartitions: 0 }] }),
    ).rejects.toThrow();
    await expect(admin.createTopics({ topics: [{ topic: 'bad/name!' }] })).rejects.toThrow();

    await admin.deleteTopics({ topics: [a, c] });
    const after = await admin.listTopics();
    expect(after).toContain(b);
    expect(after).not.toContain(a);
    expect(after).not.toContain(c);
    // metadata for a deleted topic → UNKNOWN_TOPIC_OR_PARTITION
    await expect(admin.fetchTopicMetadata({ topics: [a] })).rejects.toThrow(KafkaJSProtocolError);
    // deleting an unknown topic fails
    await expect(admin.deleteTopics({ topics: [uniqueName('never')] })).rejects.toThrow();
    // a deleted name can be re-created fresh (empty)
    await createTopic(admin, a, 1);
    expect(await admin.fetchTopicOffsets(a)).toEqual([{ partition: 0, offset: '0', high: '0', low: '0' }]);
  });

  it('fetchTopicOffsets and fetchTopicOffsetsByTimestamp', async () => {
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    const topic = uniqueName('adm-offsets');
    await createTopic(admin, topic, 2);
    const producer = await ctx.producer(kafka);
    const t0 = Date.now() - 100_000;
    // partition 0: 10 messages at t0, t0+1000, ...; partition 1: 3 messages
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({
        value: `p0-${i}`,
        partition: 0,
        timestamp: String(t0 + i * 1000),
      })),
    });
    await producer.send({
      topic,
      messages: Array.from({ length: 3 }, (_, i) => ({
        value: `p1-${i}`,
        partition: 1,
        timestamp: String(t0 + i * 1000),
      })),
    });

    const offsets = (await admin.fetchTopicOffsets(topic)).sort((x, y) => x.partition - y.partition);
    expect(offsets).toEqual([
      { partition: 0, offset: '10', high: '10', low: '0' },
      { partition: 1, offset: '3', high: '3', low: '0' },
    ]);

    const at = async (ts: number): Promise<string[]> =>
      (await admin.fetchTopicOffsetsByTimestamp(topic, ts))
        .sort((x, y) => x.partition - y.partition)
        .map((o) => o.offset);
    expect(await at(t0 - 1)).toEqual(['0', '0']); // before everything → first offset
    expect(await at(t0)).toEqual(['0', '0']); // exact match
    expect(await at(t0 + 1)).toEqual(['1', '1']); // first with timestamp >= ts
    expect(await at(t0 + 4500)).toEqual(['5', '3']); // p1 has nothing that late → log end
    expect(await at(t0 + 9000)).toEqual(['9', '3']);
    expect(await at(t0 + 9001)).toEqual(['10', '3']);
    // no timestamp → kafkajs asks for the latest offsets
    expect(
      (await admin.fetchTopicOffsetsByTimestamp(topic))
        .sort((x, y) => x.partition - y.partition)
        .map((o) => o.offset),
    ).toEqual(['10', '3']);
  });

  it('fetchOffsets, describeGroups, listGroups while a consumer is active', async () => {
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    const topic = uniqueName('adm-groups');
    const groupId = uniqueName('adm-group');
    await createTopic(admin, topic, 2);
    const producer = await ctx.producer(kafka);
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })),
    });

    // unknown group: no commits → -1 per partition
    const none = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(none[0]!.partitions.sort((x, y) => x.partition - y.partition)).toEqual([
      { partition: 0, offset: '-1', metadata: null },
      { partition: 1, offset: '-1', metadata: null },
    ]);

    const consumer = ctx.consumer(kafka, {
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void seen++ });
    await waitFor('20 messages consumed', () => seen === 20);

    const described = await waitFor('group to be Stable', async () => {
      const { groups } = await admin.describeGroups([groupId]);
      return groups[0]!.state === 'Stable' ? groups[0]! : null;
    });
    expect(described.groupId).toBe(groupId);
    expect(described.protocolType).toBe('consumer');
    expect(described.protocol).toBe('RoundRobinAssigner');
    expect(described.members).toHaveLength(1);
    const member = described.members[0]!;
    expect(member.clientId).toMatch(/^it-/);
    expect(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)!.assignment).toEqual({
      [topic]: [0, 1],
    });
    expect(AssignerProtocol.MemberMetadata.decode(member.memberMetadata)!.topics).toEqual([topic]);

    const { groups } = await admin.listGroups();
    expect(groups).toContainEqual({ groupId, protocolType: 'consumer' });

    await waitFor('commits of 10/10', async () => {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return t!.partitions.every((p) => p.offset === '10');
    });
    // without topics → every topic the group has offsets for
    const allTopics = await admin.fetchOffsets({ groupId });
    expect(allTopics.map((t) => t.topic)).toEqual([topic]);

    await consumer.disconnect();
    await waitFor(
      'group to be Empty',
      async () => (await admin.describeGroups([groupId])).groups[0]!.state === 'Empty',
    );
    // committed offsets outlive the members
    const [kept] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(kept!.partitions.map((p) => p.offset)).toEqual(['10', '10']);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(groupId);
  });

  it('setOffsets and resetOffsets on an empty group', async () => {
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    const topic = uniqueName('adm-groups2');
    const groupId = uniqueName('adm-group2');
    await createTopic(admin, topic, 2);
    const producer = await ctx.producer(kafka);
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })),
    });
    const consumer = ctx.consumer(kafka, {
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void seen++ });
    await waitFor('20 messages consumed', () => seen === 20);
    await waitFor('commits of 10/10', async () => {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return t!.partitions.every((p) => p.offset === '10');
    });
    await consumer.disconnect();
    await waitFor(
      'group to be Empty',
      async () => (await admin.describeGroups([groupId])).groups[0]!.state === 'Empty',
    );
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '4' }] });
    const afterSet = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(afterSet[0]!.partitions.find((p) => p.partition === 0)!.offset).toBe('4');
    expect(afterSet[0]!.partitions.find((p) => p.partition === 1)!.offset).toBe('10');
    await admin.resetOffsets({ groupId, topic, earliest: true });
    const afterReset = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true });
    expect(afterReset[0]!.partitions.map((p) => p.offset)).toEqual(['0', '0']);
  });

  it('deleting a topic drops its committed offsets; a re-created topic starts clean for the group', async () => {
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    const topic = uniqueName('adm-recreate');
    const groupId = uniqueName('adm-recreate-group');
    await createTopic(admin, topic, 1);
    const producer = await ctx.producer(kafka);
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `old${i}` })) });
    const consumer = ctx.consumer(kafka, { groupId, maxWaitTimeInMs: 100 });
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void seen++ });
    await waitFor('5 consumed', () => seen === 5);
    await waitFor(
      'commit at 5',
      async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset === '5',
    );
    await consumer.disconnect();

    await admin.deleteTopics({ topics: [topic] });
    await createTopic(admin, topic, 1);
    const [after] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(after!.partitions).toEqual([{ partition: 0, offset: '-1', metadata: null }]);
    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      { partition: 0, offset: '0', high: '0', low: '0' },
    ]);
  });

  it('describeGroups of an unknown group reports Dead with no members', async () => {
    const admin = await ctx.admin(ctx.kafka(broker));
    const { groups } = await admin.describeGroups([uniqueName('ghost')]);
    expect(groups[0]).toMatchObject({ state: 'Dead', members: [] });
  });
});
