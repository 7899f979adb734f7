// Committed consumer-group offsets. Durable mode appends one line per commit to an offsets log
// (replayed on startup, compacted by write-temp+rename when it grows); commits are not the hot path.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

interface CommitLine {
  g: string;
  t: string;
  p: number;
  o: number;
  e: number;
  m: string | null;
}
type LogLine = { c: CommitLine[] } | { deleteTopic: string } | { deleteGroup: string };

const COMPACT_MIN_BYTES = 4 * 1024 * 1024;

export class OffsetStore {
  /** group → "topic\u0000partition" → offset. */
  private readonly groups = new Map<string, Map<string, CommittedOffset>>();
  private fd: number | null = null;
  private fileBytes = 0;
  private dirty = false;

  constructor(private readonly file: string | null) {
    if (file === null) return;
    if (fs.existsSync(file)) this.replay(fs.readFileSync(file, 'utf8'));
    this.rewrite();
  }

  private replay(text: string): void {
    for (const line of text.split('\n')) {
      if (!line) continue;
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        continue; // torn last line after a crash
      }
      if ('deleteTopic' in parsed) this.applyDeleteTopic(parsed.deleteTopic);
      else if ('deleteGroup' in parsed) this.groups.delete(parsed.deleteGroup);
      else for (const c of parsed.c) this.apply(c);
    }
  }

  private apply(c: CommitLine): void {
    let g = this.groups.get(c.g);
    if (!g) {
      g = new Map();
      this.groups.set(c.g, g);
    }
    g.set(`${c.t}\u0000${c.p}`, { offset: c.o, leaderEpoch: c.e, metadata: c.m });
  }

  private applyDeleteTopic(topic: string): void {
    const prefix = `${topic}\u0000`;
    for (const g of this.groups.values())
      for (const k of [...g.keys()]) if (k.startsWith(prefix)) g.delete(k);
  }

  /** Rewrites the file with only the live offsets (write temp, fsync, rename) and reopens it for appends. */
  private rewrite(): void {
    if (this.file === null) return;
    if (this.fd !== null) fs.closeSync(this.fd);
    const lines: string[] = [];
    for (const [group, offsets] of this.groups) {
      const c: CommitLine[] = [];
      for (const [k, v] of offsets) {
        const sep = k.lastIndexOf('\u0000');
        c.push({
          g: group,
          t: k.slice(0, sep),
          p: Number(k.slice(sep + 1)),
          o: v.offset,
          e: v.leaderEpoch,
          m: v.metadata,
        });
      }
      if (c.length) lines.push(JSON.stringify({ c }));
    }
    const text = lines.length ? lines.join('\n') + '\n' : '';
    const tmp = `${this.file}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tfd = fs.openSync(tmp, 'w');
    fs.writeSync(tfd, text);
    fs.fsyncSync(tfd);
    fs.closeSync(tfd);
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, 'a');
    this.fileBytes = Buffer.byteLength(text);
  }

  private append(line: LogLine): void {
    if (this.fd === null) return;
    const text = JSON.stringify(line) + '\n';
    fs.writeSync(this.fd, text);
    this.dirty = true;
    this.fileBytes += Buffer.byteLength(text);
    if (this.fileBytes > COMPACT_MIN_BYTES) this.rewrite();
  }

  commit(
    group: string,
    entries: {
      topic: string;
      partition: number;
      offset: number;
      leaderEpoch: number;
      metadata: string | null;
    }[],
  ): void {
    const c = entries.map((e) => ({
      g: group,
      t: e.topic,
      p: e.partition,
      o: e.offset,
      e: e.leaderEpoch,
      m: e.metadata,
    }));
    for (const x of c) this.apply(x);
    this.append({ c });
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(`${topic}\u0000${partition}`);
  }

  /** All committed offsets of a group, grouped by topic. */
  all(group: string): Map<string, Map<number, CommittedOffset>> {
    const out = new Map<string, Map<number, CommittedOffset>>();
    for (const [k, v] of this.groups.get(group) ?? []) {
      const sep = k.lastIndexOf('\u0000');
      const topic = k.slice(0, sep);
      let t = out.get(topic);
      if (!t) {
        t = new Map();
        out.set(topic, t);
      }
      t.set(Number(k.slice(sep + 1)), v);
    }
    return out;
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  deleteTopic(topic: string): void {
    this.applyDeleteTopic(topic);
    this.append({ deleteTopic: topic });
  }

  deleteGroup(group: string): void {
    if (!this.groups.delete(group)) return;
    this.append({ deleteGroup: group });
  }

  /** fsync + close. */
  close(): void {
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  /** fsyncs appended commits (interval flush). */
  flush(): void {
    if (this.fd !== null && this.dirty) {
      this.dirty = false;
      fs.fsyncSync(this.fd);
    }
  }
}
