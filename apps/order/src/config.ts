import { IsInt, IsString, Max, Min } from 'class-validator';
import { EnvInt, IsLogLevel, IsPort, IsPostgresUrl, loadEnv, LogLevel } from '@ordermesh/platform';

/** Every environment variable the order service reads, with its default. The only place that reads process.env. */
class OrderEnv {
  @IsPort() HTTP_PORT = 3000;
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsPostgresUrl() DATABASE_URL!: string;
  @EnvInt() @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE = 10;
  @IsLogLevel() LOG_LEVEL: LogLevel = 'info';
}

export interface OrderConfig {
  service: 'order';
  http: { port: number; host: string };
  database: { url: string; poolSize: number };
  log: { level: LogLevel };
}

export function loadOrderConfig(env: Record<string, string | undefined> = process.env): OrderConfig {
  const e = loadEnv(OrderEnv, env);
  return {
    service: 'order',
    http: { port: e.HTTP_PORT, host: e.HTTP_HOST },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    log: { level: e.LOG_LEVEL },
  };
}
