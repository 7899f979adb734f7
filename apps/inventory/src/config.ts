import { IsInt, IsString, Max, Min } from 'class-validator';
import { EnvInt, IsLogLevel, IsPort, IsPostgresUrl, loadEnv, LogLevel } from '@ordermesh/platform';

/** Every environment variable the inventory service reads, with its default. The only place that reads process.env. */
class InventoryEnv {
  @IsPort() HTTP_PORT = 3001;
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsPostgresUrl() DATABASE_URL!: string;
  @EnvInt() @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE = 10;
  @IsLogLevel() LOG_LEVEL: LogLevel = 'info';
}

export interface InventoryConfig {
  service: 'inventory';
  http: { port: number; host: string };
  database: { url: string; poolSize: number };
  log: { level: LogLevel };
}

export function loadInventoryConfig(env: Record<string, string | undefined> = process.env): InventoryConfig {
  const e = loadEnv(InventoryEnv, env);
  return {
    service: 'inventory',
    http: { port: e.HTTP_PORT, host: e.HTTP_HOST },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    log: { level: e.LOG_LEVEL },
  };
}
