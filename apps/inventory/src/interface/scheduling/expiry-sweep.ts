import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  EXPIRY_BATCH_SIZE,
  ExpireReservations,
} from '../../application/expire-reservations/expire-reservations.handler';

export const EXPIRY_SWEEP_OPTIONS = Symbol('EXPIRY_SWEEP_OPTIONS');
export interface ExpirySweepOptions {
  intervalMs: number;
  batchSize?: number;
}

/**
 * The timer edge of saga step 13: every `intervalMs` (runs never overlap), expire due reservations one batch per
 * transaction until a batch comes back short. Starts when the application has bootstrapped and stops, waiting for
 * the batch in flight, before the database pool closes. Safe on several instances (the use case skips locked rows).
 * Each batch is one unit of work (its own transaction).
 */
@Injectable()
export class ExpirySweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ExpirySweep');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly expire: ExpireReservations,
    @Inject(EXPIRY_SWEEP_OPTIONS) private readonly options: ExpirySweepOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One sweep: batches until none is full. Returns how many reservations expired. */
  async sweep(): Promise<number> {
    const batchSize = this.options.batchSize ?? EXPIRY_BATCH_SIZE;
    let total = 0;
    for (;;) {
      const batch = await this.expire.execute(batchSize);
      total += batch.expired;
      if (batch.scanned < batchSize || this.stopped) return total;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.sweep()
        .then((expired) => {
          if (expired > 0) this.logger.log({ expired }, 'reservations expired');
        })
        .catch((err: unknown) => this.logger.warn({ err }, 'expiry sweep failed; retrying next interval'))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
