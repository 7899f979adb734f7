import type { DeliveryControl, InboundMessage } from '../messages';

interface Submitted {
  messages: InboundMessage[];
  control: DeliveryControl;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Merges the partition runs the consumer hands over at the same moment into one run. The Kafka client delivers one
 * fetch's partitions to concurrent workers in the same turn of the event loop; without merging, each partition's few
 * messages were a transaction of their own (BEGIN, inbox, load, flush, outbox, COMMIT), and below saturation most runs
 * carried one or two events. Merged, one fetch is one transaction.
 *
 * Invariant: each partition's messages stay contiguous and in offset order inside the merged run, so per-key order
 * holds (a key lives in one partition). The merged run is all-or-nothing like any run; every caller learns its
 * outcome, and each commits its own partition's offsets afterwards.
 */
export class RunGatherer {
  private pending: Submitted[] = [];
  private scheduled = false;

  constructor(
    private readonly processRun: (messages: InboundMessage[], control: DeliveryControl) => Promise<unknown>,
  ) {}

  /** Resolves once the run holding these messages has been processed (committed, or replayed in halves down to one by one). */
  submit(messages: InboundMessage[], control: DeliveryControl): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ messages, control, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After the current turn: every worker woken by the same fetch has submitted by then.
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const group = this.pending;
    this.pending = [];
    const controls = group.map((g) => g.control);
    const control: DeliveryControl = {
      // One group membership: any caller's heartbeat keeps it; the run goes on only while every partition is still ours.
      heartbeat: () => controls[0]!.heartbeat(),
      isRunning: () => controls.every((c) => c.isRunning()),
    };
    try {
      await this.processRun(
        group.length === 1 ? group[0]!.messages : group.flatMap((g) => g.messages),
        control,
      );
    } catch (err) {
      for (const g of group) g.reject(err);
      return;
    }
    for (const g of group) g.resolve();
  }
}
