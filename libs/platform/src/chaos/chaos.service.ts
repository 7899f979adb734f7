import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { EventEnvelope, ServiceName } from '@ordermesh/contracts';
import type { InboundMessage } from '../messages';
import type { MessagingFaults } from '../messaging/event-processor';
import { MessagingRuntime } from '../messaging/messaging.module';
import { Metrics } from '../observability/metrics';
import {
  ChaosToggles,
  defaultToggles,
  FaultName,
  RateToggle,
  supportedToggles,
  ToggleName,
  UnsupportedToggleError,
} from './chaos-toggles';
import { mulberry32 } from './prng';

export const CHAOS_OPTIONS = Symbol('CHAOS_OPTIONS');

export interface ChaosOptions {
  service: ServiceName;
  adminToken: string;
  /** Seed at boot and after a reset. */
  seed: number;
  /** Attempts the event processor makes before dead-lettering (options.retry.maxAttempts). */
  maxAttempts: number;
}

/** What the process does for crashAfterCommitRate; tests running services in-process replace it with a recorder. */
export type CrashAction = (envelope: EventEnvelope) => void | Promise<void>;

export const killProcess: CrashAction = () => {
  process.kill(process.pid, 'SIGKILL');
};

export interface ChaosView {
  service: ServiceName;
  enabled: true;
  toggles: Partial<ChaosToggles>;
  defaults: Partial<ChaosToggles>;
  supported: ToggleName[];
}

/** Thrown by an injected handler failure: an ordinary (transient) error, so the processor retries it. */
export class ChaosInjectedFailure extends Error {}

/** Bound on remembered per-event injected-failure counts (the oldest are forgotten first). */
const TRACKED_EVENTS = 10_000;

/**
 * The chaos state of one service: the toggles, one seeded PRNG behind every random decision (same seed + same message
 * order → same faults), and the fault hooks the messaging runtime and the payment gateway adapter call.
 */
@Injectable()
export class ChaosService implements MessagingFaults {
  private readonly logger = new Logger('Chaos');
  private readonly supported: ReadonlySet<ToggleName>;
  private readonly defaults: ChaosToggles;
  private toggles: ChaosToggles;
  private random: () => number;
  /** eventId → failures injected so far (insertion order = least recently touched first). */
  private readonly injectedFailures = new Map<string, number>();
  private crash: CrashAction = killProcess;

  constructor(
    @Inject(CHAOS_OPTIONS) private readonly options: ChaosOptions,
    @Optional() @Inject(Metrics) private readonly metrics: Metrics | null,
    @Optional() @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime | null,
  ) {
    this.supported = new Set(supportedToggles(options.service));
    this.defaults = defaultToggles(options.seed);
    this.toggles = { ...this.defaults };
    this.random = mulberry32(options.seed);
    this.exportToggles();
  }

  view(): ChaosView {
    return {
      service: this.options.service,
      enabled: true,
      toggles: this.pick(this.toggles),
      defaults: this.pick(this.defaults),
      supported: [...this.supported],
    };
  }

  /** Merges `patch` into the toggles. Validation of values is the DTO's job; support is checked here. */
  update(patch: Partial<ChaosToggles>): ChaosView {
    const given = Object.entries(patch).filter(([, v]) => v !== undefined) as [ToggleName, unknown][];
    const unsupported = given.map(([k]) => k).filter((k) => !this.supported.has(k));
    if (unsupported.length)
      throw new UnsupportedToggleError(this.options.service, unsupported, [...this.supported]);
    const next = { ...this.toggles, ...Object.fromEntries(given) } as ChaosToggles;
    this.apply(next, 'seed' in patch && patch.seed !== undefined);
    return this.view();
  }

  reset(): ChaosView {
    this.apply({ ...this.defaults }, true);
    return this.view();
  }

  /** Replaces what crashAfterCommitRate does (default: SIGKILL this process). */
  setCrashAction(action: CrashAction): void {
    this.crash = action;
  }

  get current(): Readonly<ChaosToggles> {
    return this.toggles;
  }

  // --- messaging faults -------------------------------------------------------------------------------------------

  /**
   * Injected handler failures are transient and always recoverable: an event gets at most maxAttempts - 1 of them,
   * so its last allowed attempt never fails by chaos and chaos alone never dead-letters a valid event.
   */
  beforeReact(envelope: EventEnvelope): void {
    if (this.toggles.handlerFailureRate <= 0) return;
    const injected = this.injectedFailures.get(envelope.eventId) ?? 0;
    if (injected >= this.options.maxAttempts - 1) return;
    if (!this.chance('handlerFailureRate', 'handler_failure')) return;
    this.injectedFailures.delete(envelope.eventId);
    this.injectedFailures.set(envelope.eventId, injected + 1);
    if (this.injectedFailures.size > TRACKED_EVENTS) {
      this.injectedFailures.delete(this.injectedFailures.keys().next().value!);
    }
    throw new ChaosInjectedFailure(
      `chaos: injected handler failure (${envelope.eventType} ${envelope.eventId}, #${injected + 1})`,
    );
  }

  deliveries(messages: InboundMessage[]): InboundMessage[] {
    if (this.toggles.duplicateDeliveryRate <= 0) return messages;
    const out: InboundMessage[] = [];
    for (const m of messages) {
      out.push(m);
      // Right behind the original, as a redelivery of the same offset: the inbox must make it a no-op.
      if (this.chance('duplicateDeliveryRate', 'duplicate_delivery')) out.push(m);
    }
    return out;
  }

  async afterCommit(envelope: EventEnvelope): Promise<void> {
    if (!this.chance('crashAfterCommitRate', 'crash_after_commit')) return;
    this.logger.error(
      { eventId: envelope.eventId, eventType: envelope.eventType, correlationId: envelope.correlationId },
      'chaos: crashing after commit, before the offset commit',
    );
    await this.crash(envelope);
  }

  // --- gateway faults (payment) -----------------------------------------------------------------------------------

  /** Delay for one gateway call: gatewayLatencyMs plus uniform jitter in [0, gatewayJitterMs). */
  gatewayDelayMs(): number {
    const { gatewayLatencyMs, gatewayJitterMs } = this.toggles;
    const jitter = gatewayJitterMs > 0 ? Math.floor(this.random() * gatewayJitterMs) : 0;
    const delay = gatewayLatencyMs + jitter;
    if (delay > 0) this.metrics?.chaosFaults.inc({ fault: 'gateway_latency' });
    return delay;
  }

  gatewayFails(): boolean {
    return this.chance('gatewayFailureRate', 'gateway_failure');
  }

  /** A decline reason drawn from `reasons` when the decline fault fires, else null. */
  gatewayDecline<T>(reasons: readonly T[]): T | null {
    if (!this.chance('paymentDeclineRate', 'payment_decline')) return null;
    return reasons[Math.floor(this.random() * reasons.length)] ?? null;
  }

  /** Draws only when the toggle is on, so faults that are off do not shift the sequence of those that are on. */
  chance(toggle: RateToggle, fault: FaultName): boolean {
    const rate = this.toggles[toggle];
    if (rate <= 0) return false;
    const hit = this.random() < rate;
    if (hit) this.metrics?.chaosFaults.inc({ fault });
    return hit;
  }

  // --- internals --------------------------------------------------------------------------------------------------

  private apply(next: ChaosToggles, reseed: boolean): void {
    const before = this.toggles;
    this.toggles = next;
    if (reseed) this.random = mulberry32(next.seed);
    if (next.relayPaused !== before.relayPaused && this.runtime) {
      if (next.relayPaused) this.runtime.relay.pause();
      else this.runtime.relay.resume();
    }
    const changes = Object.fromEntries(
      (Object.keys(next) as ToggleName[])
        .filter((k) => this.supported.has(k) && next[k] !== before[k])
        .map((k) => [k, { from: before[k], to: next[k] }]),
    );
    this.exportToggles();
    this.logger.log(
      { service: this.options.service, changes, reseeded: reseed ? next.seed : undefined },
      Object.keys(changes).length ? 'chaos toggles changed' : 'chaos toggles unchanged',
    );
  }

  private exportToggles(): void {
    if (!this.metrics) return;
    for (const k of this.supported) this.metrics.chaosToggle.set({ toggle: k }, Number(this.toggles[k]));
  }

  private pick(t: ChaosToggles): Partial<ChaosToggles> {
    return Object.fromEntries([...this.supported].map((k) => [k, t[k]])) as Partial<ChaosToggles>;
  }
}
