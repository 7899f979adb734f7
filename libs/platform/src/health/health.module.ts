import { Controller, DynamicModule, Get, Inject, Injectable, Module } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TerminusModule,
} from '@nestjs/terminus';
import { Pool } from 'pg';
import { PG_POOL } from '../db/database.module';

/** A readiness dependency: the app is ready only when every check is up. */
export type ReadinessCheck = () => Promise<HealthIndicatorResult>;
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'database'): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      await withTimeout(this.pool.query('SELECT 1'), 2_000);
      return session.up();
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}

@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** Liveness: the process is up and its event loop answers. No dependencies checked. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: every dependency the app needs to serve (database, later Kafka) answers. 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.checks);
  }
}

export interface HealthOptions {
  /** Extra readiness checks, resolved from the app's providers (e.g. Kafka). */
  extraChecks?: {
    inject: (string | symbol | (new (...args: never[]) => unknown))[];
    factory: (...deps: never[]) => ReadinessCheck[];
  };
}

@Module({})
export class HealthModule {
  static forRoot(opts: HealthOptions = {}): DynamicModule {
    const extra = opts.extraChecks;
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        DatabaseHealthIndicator,
        {
          provide: READINESS_CHECKS,
          inject: [DatabaseHealthIndicator, ...(extra?.inject ?? [])],
          useFactory: (db: DatabaseHealthIndicator, ...deps: never[]): ReadinessCheck[] => [
            () => db.check('database'),
            ...(extra ? extra.factory(...deps) : []),
          ],
        },
      ],
    };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
