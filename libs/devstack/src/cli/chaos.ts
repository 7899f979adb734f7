import { formatChaosReport } from '../chaos/report';
import { ChaosOptions, DEFAULT_CHAOS_OPTIONS, runChaos } from '../chaos/runner';

const USAGE = `usage: npm run chaos -- [--orders N] [--rate PER_SEC] [--seed N] [--kill] [--broker-restart] [--no-toggles]
                       [--skus N] [--ttl-ms MS] [--quiesce-timeout-ms MS] [--cancel-rate R] [--fulfil-rate R]
                       [--crash-rate R] [--data-dir DIR] [--keep-data]
                       [--pg-port P] [--kafka-port P] [--order-port P] [--inventory-port P] [--payment-port P]
Starts its own stack (own ports, fresh data dir under .data/chaos/), places orders at a steady rate while injecting
faults, waits for quiescence and runs the invariant checker. Exit 0 when every invariant holds, 1 otherwise, 2 on bad
usage.`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Omit<ChaosOptions, 'log'> {
  const o: Omit<ChaosOptions, 'log'> = { ...DEFAULT_CHAOS_OPTIONS, ports: {} };
  const num = (i: number, flag: string, min: number, max = Number.MAX_SAFE_INTEGER, integer = true) => {
    const raw = argv[i + 1];
    const v = Number(raw);
    if (raw === undefined || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
      throw new UsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const boolFlags: Record<string, () => void> = {
      '--kill': () => (o.kill = true),
      '--broker-restart': () => (o.brokerRestart = true),
      '--no-toggles': () => (o.toggles = false),
      '--keep-data': () => (o.keepData = true),
    };
    if (boolFlags[flag]) {
      boolFlags[flag]!();
      continue;
    }
    switch (flag) {
      case '--orders':
        o.orders = num(i, flag, 1, 1_000_000);
        break;
      case '--rate':
        o.rate = num(i, flag, 0.1, 10_000, false);
        break;
      case '--seed':
        o.seed = num(i, flag, 0, 2 ** 32 - 1);
        break;
      case '--skus':
        o.skus = num(i, flag, 1, 10_000);
        break;
      case '--ttl-ms':
        o.reservationTtlMs = num(i, flag, 1_000);
        break;
      case '--quiesce-timeout-ms':
        o.quiescenceTimeoutMs = num(i, flag, 1_000);
        break;
      case '--cancel-rate':
        o.cancelRate = num(i, flag, 0, 1, false);
        break;
      case '--fulfil-rate':
        o.fulfilRate = num(i, flag, 0, 1, false);
        break;
      case '--crash-rate':
        o.crashRate = num(i, flag, 0, 1, false);
        break;
      case '--data-dir':
        if (!argv[i + 1]) throw new UsageError('--data-dir needs a value');
        o.dataDir = argv[i + 1]!;
        break;
      case '--pg-port':
        o.ports.postgres = num(i, flag, 1, 65_535);
        break;
      case '--kafka-port':
        o.ports.kafka = num(i, flag, 1, 65_535);
        break;
      case '--order-port':
        o.ports.order = num(i, flag, 1, 65_535);
        break;
      case '--inventory-port':
        o.ports.inventory = num(i, flag, 1, 65_535);
        break;
      case '--payment-port':
        o.ports.payment = num(i, flag, 1, 65_535);
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${flag}`);
    }
    i++;
  }
  return o;
}

async function main(argv: string[]): Promise<number> {
  let options: Omit<ChaosOptions, 'log'>;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message ? `chaos: ${err.message}\n${USAGE}` : USAGE);
    return 2;
  }
  const t0 = Date.now();
  const result = await runChaos({
    ...options,
    log: (line) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}`),
  });
  console.log(`\n${formatChaosReport(result)}`);
  console.log(JSON.stringify(result.figures));
  return result.figures.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
