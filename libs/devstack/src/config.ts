import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import {
  EnvBoolean,
  EnvInt,
  IsLogLevel,
  IsPort,
  IsPostgresUrl,
  loadEnv,
  LogLevel,
} from '@ordermesh/platform';
import { KAFKA_KINDS, KafkaKind } from './kafka/kafka-broker';

/** Settings of the local stack (`npm start`, `npm run db:migrate`). The only place the dev tools read process.env. */
class DevStackEnv {
  @IsString() ORDERMESH_DATA_DIR = '.data';
  @IsPort() ORDERMESH_PG_PORT = 55432;
  /** Which Kafka the stack runs on: the embedded broker, or Apache Kafka on the JVM (jars resolved with Maven). */
  @IsIn(KAFKA_KINDS) ORDERMESH_KAFKA: KafkaKind = 'embedded';
  @IsPort() KAFKA_PORT = 9092;
  /** Apache Kafka's KRaft controller listener (ORDERMESH_KAFKA=apache only). */
  @IsPort() KAFKA_CONTROLLER_PORT = 9093;
  /** The JDK Apache Kafka runs on; default: `java` from PATH. */
  @IsOptional() @IsString() JAVA_HOME?: string;
  @EnvInt() @IsInt() @Min(1) @Max(64) KAFKA_PARTITIONS = 6;
  @IsPort() ORDER_PORT = 3000;
  @IsPort() INVENTORY_PORT = 3001;
  @IsPort() PAYMENT_PORT = 3002;
  @IsLogLevel() LOG_LEVEL: LogLevel = 'info';
  @EnvBoolean() @IsBoolean() CHAOS_ENABLED = true;
  @IsString() ADMIN_TOKEN = 'dev-admin-token';
  @IsIn(['none', 'console', 'otlp']) OTEL_TRACES_EXPORTER = 'none';
  /** Extra Node.js flags for the three services, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them. */
  @IsString() SERVICE_NODE_ARGS = '';
  /** Extra PostgreSQL settings for the embedded cluster, "name=value" separated by spaces. */
  @IsString() ORDERMESH_PG_SETTINGS = '';
  /** When all three are set, db:migrate targets these databases instead of the embedded cluster. */
  @IsOptional() @IsPostgresUrl() ORDER_DATABASE_URL?: string;
  @IsOptional() @IsPostgresUrl() INVENTORY_DATABASE_URL?: string;
  @IsOptional() @IsPostgresUrl() PAYMENT_DATABASE_URL?: string;
}

export interface DevStackConfig {
  dataDir: string;
  postgresPort: number;
  kafka: { kind: KafkaKind; port: number; controllerPort: number; partitions: number; javaHome?: string };
  ports: { order: number; inventory: number; payment: number };
  logLevel: LogLevel;
  chaosEnabled: boolean;
  adminToken: string;
  tracesExporter: string;
  serviceNodeArgs: string[];
  postgresSettings: Record<string, string>;
  externalDatabases: { order: string; inventory: string; payment: string } | null;
}

export function loadDevStackConfig(env: Record<string, string | undefined> = process.env): DevStackConfig {
  const e = loadEnv(DevStackEnv, env);
  const external =
    e.ORDER_DATABASE_URL && e.INVENTORY_DATABASE_URL && e.PAYMENT_DATABASE_URL
      ? { order: e.ORDER_DATABASE_URL, inventory: e.INVENTORY_DATABASE_URL, payment: e.PAYMENT_DATABASE_URL }
      : null;
  return {
    dataDir: e.ORDERMESH_DATA_DIR,
    postgresPort: e.ORDERMESH_PG_PORT,
    kafka: {
      kind: e.ORDERMESH_KAFKA,
      port: e.KAFKA_PORT,
      controllerPort: e.KAFKA_CONTROLLER_PORT,
      partitions: e.KAFKA_PARTITIONS,
      javaHome: e.JAVA_HOME || undefined,
    },
    ports: { order: e.ORDER_PORT, inventory: e.INVENTORY_PORT, payment: e.PAYMENT_PORT },
    logLevel: e.LOG_LEVEL,
    chaosEnabled: e.CHAOS_ENABLED,
    adminToken: e.ADMIN_TOKEN,
    tracesExporter: e.OTEL_TRACES_EXPORTER,
    serviceNodeArgs: e.SERVICE_NODE_ARGS.split(/\s+/).filter(Boolean),
    postgresSettings: parseSettings(e.ORDERMESH_PG_SETTINGS),
    externalDatabases: external,
  };
}

function parseSettings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`ORDERMESH_PG_SETTINGS: "${pair}" is not name=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** The environment every service process inherits besides its own settings (PATH, HOME...). */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}
