import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';

export const PG_POOL = Symbol('PG_POOL');

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  applicationName: string;
}

@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * One pg pool per app. Prisma's driver adapter and hand-written SQL on hot paths share it, so there is one
 * set of connections and one place that closes them on shutdown.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(opts: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: PG_POOL,
          useFactory: () =>
            new Pool({
              connectionString: opts.url,
              max: opts.poolSize,
              application_name: opts.applicationName,
              connectionTimeoutMillis: 5_000,
            }),
        },
        PoolCloser,
      ],
      exports: [PG_POOL],
    };
  }
}
