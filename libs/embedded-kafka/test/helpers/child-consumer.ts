// Parent side of test/fixtures/group-consumer.js: a kafkajs group member living in its own process
// so tests can SIGKILL it (abrupt death, no LeaveGroup) or SIGSTOP it (stops heartbeating).
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './harness';

export interface ChildConsumerConfig {
  brokers: string[];
  groupId: string;
  topic: string;
  sessionTimeout: number;
  heartbeatInterval: number;
  rebalanceTimeout?: number;
  maxBytesPerPartition?: number;
  throttleMs?: number;
  fromBeginning?: boolean;
}

export interface ChildRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  seq: number; // global arrival order in the parent, shared with other observers via `clock`
}

type ChildMessage =
  | { type: 'joined'; memberId: string; assignment: Record<string, number[]> }
  | { type: 'batch'; partition: number; records: Array<[string, string | null, string | null]> }
  | { type: 'committed'; partition: number; offset: string }
  | { type: 'error'; message: string };

/** Monotonic counter shared by every observer in a test to order events across consumers. */
export class Clock {
  private n = 0;
  tick(): number {
    return ++this.n;
  }
}

export class ChildConsumer {
  readonly records: ChildRecord[] = [];
  readonly committed = new Map<number, number>();
  assignment: number[] = [];
  memberId = '';
  joins = 0;
  errors: string[] = [];
  exited = false;
  private readonly proc: ChildProcess;
  private readonly closedP: Promise<void>;

  constructor(cfg: ChildConsumerConfig, clock: Clock) {
    this.proc = fork(path.join(__dirname, '../fixtures/group-consumer.js'), [JSON.stringify(cfg)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.closedP = new Promise((resolve) => this.proc.once('close', () => resolve()));
    let stderr = '';
    this.proc.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 10_000) stderr = stderr.slice(-10_000);
    });
    this.proc.on('exit', () => {
      this.exited = true;
      if (stderr.trim()) this.errors.push(stderr.trim());
    });
    this.proc.on('message', (raw) => {
      const m = raw as ChildMessage;
      switch (m.type) {
        case 'joined':
          this.joins++;
          this.memberId = m.memberId;
          this.assignment = [...(m.assignment[cfg.topic] ?? [])].sort((a, b) => a - b);
          break;
        case 'batch':
          for (const [offset, key, value] of m.records) {
            this.records.push({
              partition: m.partition,
              offset: Number(offset),
              key,
              value,
              seq: clock.tick(),
            });
          }
          break;
        case 'committed':
          this.committed.set(m.partition, Number(m.offset));
          break;
        case 'error':
          this.errors.push(m.message);
          break;
      }
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.exited) this.proc.kill(sig);
  }

  /** SIGKILL and wait until the process is gone (all IPC it wrote has been delivered by then). */
  async kill(): Promise<void> {
    if (!this.exited) {
      this.proc.kill('SIGKILL'); // also ends a SIGSTOPped process
    }
    // 'close' fires after the IPC channel drained, so every message the child wrote has been seen.
    await this.closedP;
  }
}
