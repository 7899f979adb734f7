import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OffsetStore } from './offset-store';

describe('OffsetStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ek-off-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const entry = (
    topic: string,
    partition: number,
    offset: number,
  ): { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string | null } => ({
    topic,
    partition,
    offset,
    leaderEpoch: -1,
    metadata: null,
  });

  it('keeps the latest commit per group/partition in memory', () => {
    const s = new OffsetStore(null);
    s.commit('g', [entry('t', 0, 5), entry('t', 1, 7)]);
    s.commit('g', [entry('t', 0, 9)]);
    expect(s.get('g', 't', 0)?.offset).toBe(9);
    expect(s.get('g', 't', 1)?.offset).toBe(7);
    expect(s.get('h', 't', 0)).toBeUndefined();
    expect([...s.all('g').get('t')!.keys()].sort()).toEqual([0, 1]);
  });

  it('replays commits and topic deletions after a restart, ignoring a torn last line', () => {
    const file = path.join(dir, 'offsets.log');
    const s = new OffsetStore(file);
    s.commit('g', [entry('t', 0, 5), entry('u', 0, 1)]);
    s.commit('g2', [entry('t', 0, 3)]);
    s.deleteTopic('u');
    s.commit('g3', [entry('t', 0, 1)]);
    s.deleteGroup('g3');
    s.commit('g', [entry('t', 0, 6)]);
    s.close();
    fs.appendFileSync(file, '{"c":[{"g":"g","t":"t","p":0,"o":99');
    const again = new OffsetStore(file);
    expect(again.get('g', 't', 0)?.offset).toBe(6);
    expect(again.get('g2', 't', 0)?.offset).toBe(3);
    expect(again.get('g', 'u', 0)).toBeUndefined();
    expect(again.groupIds().sort()).toEqual(['g', 'g2']);
    expect(again.get('g3', 't', 0)).toBeUndefined();
    again.close();
    // startup compaction rewrote the file with only live offsets
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
