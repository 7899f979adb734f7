import { verifySystem } from '../verify';
import { resolveConnections, ConnectionOverrides } from '../verify/connections';
import { ConnectError } from '../verify/world';
import { formatReport } from '../verify/report';

const USAGE = `usage: npm run verify -- [--json] [--order-db URL] [--inventory-db URL] [--payment-db URL]
                        [--brokers host:port,...] [--max-examples N] [--expiry-grace-ms MS]
Checks the order saga's invariants across the three databases and the topics. Defaults: the embedded stack of
\`npm start\` (ORDERMESH_PG_PORT, KAFKA_PORT), or ORDER_/INVENTORY_/PAYMENT_DATABASE_URL and KAFKA_BROKERS.
Exit codes: 0 all checks pass, 1 a violation, 2 bad usage, 3 cannot connect.`;

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const overrides: ConnectionOverrides = { databases: {} };
  const options: { maxExamples?: number; expiryGraceMs?: number } = {};
  let json = false;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const int = (v: string, flag: string): number => {
    if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a non-negative integer`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    switch (flag) {
      case '--json':
        json = true;
        continue;
      case '--order-db':
        overrides.databases!.order = value(i, flag);
        break;
      case '--inventory-db':
        overrides.databases!.inventory = value(i, flag);
        break;
      case '--payment-db':
        overrides.databases!.payment = value(i, flag);
        break;
      case '--brokers':
        if (!/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/.test(value(i, flag)))
          throw new UsageError('--brokers must be a comma-separated list of host:port');
        overrides.brokers = value(i, flag);
        break;
      case '--max-examples':
        options.maxExamples = int(value(i, flag), flag);
        break;
      case '--expiry-grace-ms':
        options.expiryGraceMs = int(value(i, flag), flag);
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${flag}`);
    }
    i++;
  }
  return { overrides, options, json };
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  let connections: ReturnType<typeof resolveConnections>;
  try {
    args = parseArgs(argv);
    connections = resolveConnections(args.overrides);
  } catch (err) {
    const msg = (err as Error).message;
    console.error(msg ? `verify: ${msg}\n${USAGE}` : USAGE);
    return 2;
  }
  try {
    const report = await verifySystem(connections, args.options);
    console.log(args.json ? JSON.stringify(report) : formatReport(report));
    return report.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof ConnectError) {
      console.error(`verify: cannot connect: ${err.message}`);
      return 3;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`verify: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
