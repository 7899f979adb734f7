import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Pool } from 'pg';
import { PreparedStatementClient } from './prepared-statements';

export const PG_POOL = Symbol('PG_POOL');

const logger = new Logger('Database');

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
          useFactory: () => {
            const pool = new Pool({
              connectionString: opts.url,
              max: opts.poolSize,
              application_name: opts.applicationName,
              connectionTimeoutMillis: 5_000,
              Client: PreparedStatementClient,
            });
            // An idle connection the server closed (restart, failover, terminated backend) is dropped from the pool
            // and the next query opens a new one; without a listener the 'error' event would crash the process.
            pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
            return pool;
          },
        },
        PoolCloser,
      ],
      exports: [PG_POOL],
    };
  }
}
