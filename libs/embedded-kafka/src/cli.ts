// `embedded-kafka serve [flags]` — runs the embedded broker in the foreground until SIGTERM/SIGINT.
import { BrokerOptions, startBroker } from './index';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const USAGE = `usage: embedded-kafka serve [--port 9092] [--host 127.0.0.1] [--data-dir DIR] [--partitions N]
                            [--no-auto-create] [--max-request-bytes N] [--retention-ms N] [--retention-bytes N]
                            [--verbose]`;

function intArg(flag: string, value: string | undefined, min: number): number {
  if (value === undefined || !/^-?\d+$/.test(value))
    throw new UsageError(`${flag} requires an integer value`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be >= ${min}`);
  return n;
}

/** Parses `serve` arguments into broker options. Throws UsageError on anything unexpected. */
export function parseArgs(argv: string[]): { options: BrokerOptions; verbose: boolean } {
  const [command, ...rest] = argv;
  if (command !== 'serve') throw new UsageError(command ? `unknown command '${command}'` : 'missing command');
  const options: BrokerOptions = { port: 9092, host: '127.0.0.1' };
  let verbose = false;
  for (let i = 0; i < rest.length; i++) {
    const raw = rest[i];
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string | undefined => (inline !== undefined ? inline : rest[++i]);
    switch (flag) {
      case '--port':
        options.port = intArg(flag, value(), 0);
        if (options.port > 65535) throw new UsageError('--port must be <= 65535');
        break;
      case '--host': {
        const h = value();
        if (!h) throw new UsageError('--host requires a value');
        options.host = h;
        break;
      }
      case '--data-dir': {
        const d = value();
        if (!d) throw new UsageError('--data-dir requires a value');
        options.dataDir = d;
        break;
      }
      case '--partitions':
        options.defaultPartitions = intArg(flag, value(), 1);
        break;
      case '--no-auto-create':
        if (inline !== undefined) throw new UsageError('--no-auto-create takes no value');
        options.autoCreateTopics = false;
        break;
      case '--max-request-bytes':
        options.maxRequestBytes = intArg(flag, value(), 1024);
        break;
      case '--retention-ms':
        options.retentionMs = intArg(flag, value(), -1);
        break;
      case '--retention-bytes':
        options.retentionBytes = intArg(flag, value(), -1);
        break;
      case '--verbose':
        verbose = true;
        break;
      default:
        throw new UsageError(`unknown flag '${raw}'`);
    }
  }
  return { options, verbose };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`embedded-kafka: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { options, verbose } = parsed;
  options.logger = (level, msg, fields): void => {
    if (level === 'debug' || (level === 'info' && !verbose)) return;
    console.error(`[${level}] ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`);
  };
  const broker = await startBroker(options);
  console.log(`embedded-kafka listening on ${broker.address} (data: ${options.dataDir ?? 'in-memory'})`);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    broker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`embedded-kafka: shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`embedded-kafka: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
