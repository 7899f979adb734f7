import { IsOptional, Matches } from 'class-validator';
import { loadEnv } from '@ordermesh/platform';
import { loadDevStackConfig } from '../config';
import { SERVICES, ServiceName } from '../workspace';
import { Connections } from './world';

class VerifyEnv {
  @IsOptional()
  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, { message: 'must be a comma-separated list of host:port' })
  KAFKA_BROKERS?: string;
}

export interface ConnectionOverrides {
  databases?: Partial<Record<ServiceName, string>>;
  brokers?: string;
}

/**
 * Where the checker reads from: flags first, then ORDER_/INVENTORY_/PAYMENT_DATABASE_URL (all three, as
 * for db:migrate) and KAFKA_BROKERS, then the
 * embedded stack of `npm start` (ORDERMESH_PG_PORT, KAFKA_PORT and their defaults).
 */
export function resolveConnections(
  overrides: ConnectionOverrides,
  env: Record<string, string | undefined> = process.env,
): Connections {
  const stack = loadDevStackConfig(env);
  const e = loadEnv(VerifyEnv, env);
  const databases = {} as Record<ServiceName, string>;
  for (const s of SERVICES) {
    databases[s] =
      overrides.databases?.[s] ??
      stack.externalDatabases?.[s] ??
      `postgresql://postgres:postgres@127.0.0.1:${stack.postgresPort}/${s}`;
  }
  const brokers = overrides.brokers ?? e.KAFKA_BROKERS ?? `127.0.0.1:${stack.kafka.port}`;
  return { databases, brokers: brokers.split(',') };
}
