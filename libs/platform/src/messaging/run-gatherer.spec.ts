import type { DeliveryControl, InboundMessage } from '../messages';
import { RunGatherer } from './run-gatherer';

const message = (partition: number, offset: number): InboundMessage => ({
  topic: 't',
  partition,
  offset: String(offset),
  key: null,
  value: null,
  headers: {},
});
const control = (running = true, beat: () => void = () => undefined): DeliveryControl => ({
  heartbeat: async () => beat(),
  isRunning: () => running,
});
const label = (m: InboundMessage) => `${m.partition}:${m.offset}`;

describe('RunGatherer', () => {
  it('merges what is submitted in one turn into one run, each partition contiguous and in order', async () => {
    const runs: string[][] = [];
    const gatherer = new RunGatherer(async (messages) => void runs.push(messages.map(label)));
    await Promise.all([
      gatherer.submit([message(0, 1), message(0, 2)], control()),
      gatherer.submit([message(3, 7)], control()),
      gatherer.submit([message(1, 4), message(1, 5)], control()),
    ]);
    expect(runs).toEqual([['0:1', '0:2', '3:7', '1:4', '1:5']]);
  });

  it('starts a new run for what arrives while a run is being processed', async () => {
    const runs: string[][] = [];
    let release!: () => void;
    const gatherer = new RunGatherer(async (messages) => {
      runs.push(messages.map(label));
      if (runs.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = gatherer.submit([message(0, 1)], control());
    await new Promise((r) => setImmediate(r));
    const second = gatherer.submit([message(0, 2)], control());
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([['0:1'], ['0:2']]);
    release();
    await Promise.all([first, second]);
  });

  it('tells every caller of a merged run that it failed', async () => {
    const gatherer = new RunGatherer(async () => {
      throw new Error('run failed');
    });
    const outcomes = await Promise.allSettled([
      gatherer.submit([message(0, 1)], control()),
      gatherer.submit([message(1, 1)], control()),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('lends the run a control that heartbeats and stops once any partition is no longer running', async () => {
    let seen: DeliveryControl | null = null;
    const beats: string[] = [];
    const gatherer = new RunGatherer(async (_messages, c) => {
      seen = c;
      await c.heartbeat();
    });
    let secondRunning = true;
    const second: DeliveryControl = {
      heartbeat: async () => void beats.push('b'),
      isRunning: () => secondRunning,
    };
    await Promise.all([
      gatherer.submit(
        [message(0, 1)],
        control(true, () => beats.push('a')),
      ),
      gatherer.submit([message(1, 1)], second),
    ]);
    expect(beats).toEqual(['a']);
    expect(seen!.isRunning()).toBe(true);
    secondRunning = false;
    expect(seen!.isRunning()).toBe(false);
  });
});
