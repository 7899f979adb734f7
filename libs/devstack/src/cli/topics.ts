import {
  ConfigError,
  createKafka,
  decodeMessage,
  DecodedMessage,
  describeTopic,
  groupLag,
  GroupNotFoundError,
  listGroupSummaries,
  listTopicSummaries,
  tailTopic,
  TopicNotFoundError,
} from '@ordermesh/platform';
import { loadKafkaCliConfig } from './kafka-cli-config';

const USAGE = `usage:
  npm run topics -- list                   topics: partitions, messages (high - low watermarks), DLQ flag
  npm run topics -- describe <topic>       partitions (leader, watermarks) and the consumer groups reading it
  npm run topics -- tail <topic> [--from-beginning] [--follow] [--key <orderId>] [--limit N]
                                           decoded messages; without --from-beginning only new ones (follows)
  npm run topics -- groups [--all]         consumer groups: state, members, topics, lag (--all: with inspection groups)
  npm run topics -- lag <group>            committed offset, end offset and lag per topic/partition
common flags: --json (one JSON document; NDJSON for tail), --brokers host:port[,...] (default KAFKA_BROKERS or
127.0.0.1:9092)`;

class UsageError extends Error {}

interface Args {
  command: 'list' | 'describe' | 'tail' | 'groups' | 'lag';
  target: string | null;
  json: boolean;
  brokers: string | undefined;
  fromBeginning: boolean;
  follow: boolean;
  key: string | undefined;
  limit: number | undefined;
  all: boolean;
}

const TARGET: Record<Args['command'], string | null> = {
  list: null,
  describe: '<topic>',
  tail: '<topic>',
  groups: null,
  lag: '<group>',
};

/** Flags followed by a separate value word. */
const VALUE_FLAGS = new Set(['--brokers', '--key', '--limit']);

function parseArgs(argv: string[]): Args {
  // Flags may come before or after the command (`--brokers h:p list` and `list --brokers h:p` alike).
  const at = argv.findIndex((a, i) => !a.startsWith('--') && !VALUE_FLAGS.has(argv[i - 1] ?? ''));
  const command = argv[at];
  if (command === undefined) throw new UsageError('missing command');
  if (!(command in TARGET)) throw new UsageError(`unknown command '${command}'`);
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  const args: Args = {
    command: command as Args['command'],
    target: null,
    json: false,
    brokers: undefined,
    fromBeginning: false,
    follow: false,
    key: undefined,
    limit: undefined,
    all: false,
  };
  const positional: string[] = [];
  const onlyFor = (flag: string, cmd: Args['command']): void => {
    if (args.command !== cmd) throw new UsageError(`${flag} applies to '${cmd}' only`);
  };
  for (let i = 0; i < rest.length; i++) {
    const raw = rest[i]!;
    if (!raw.startsWith('--')) {
      positional.push(raw);
      continue;
    }
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} requires a value`);
      return v;
    };
    const noValue = (): void => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
    };
    switch (flag) {
      case '--json':
        noValue();
        args.json = true;
        break;
      case '--brokers':
        args.brokers = value();
        break;
      case '--from-beginning':
        noValue();
        onlyFor(flag, 'tail');
        args.fromBeginning = true;
        break;
      case '--follow':
        noValue();
        onlyFor(flag, 'tail');
        args.follow = true;
        break;
      case '--key':
        onlyFor(flag, 'tail');
        args.key = value();
        break;
      case '--limit': {
        onlyFor(flag, 'tail');
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError('--limit must be a positive integer');
        args.limit = Number(v);
        break;
      }
      case '--all':
        noValue();
        onlyFor(flag, 'groups');
        args.all = true;
        break;
      default:
        throw new UsageError(`unknown flag ${flag}`);
    }
  }
  const wanted = TARGET[args.command];
  if (wanted && positional.length === 0) throw new UsageError(`${args.command} requires ${wanted}`);
  if (positional.length > (wanted ? 1 : 0))
    throw new UsageError(`unexpected argument '${positional[wanted ? 1 : 0]}'`);
  args.target = positional[0] ?? null;
  // Without --from-beginning there is nothing to read up to: only new messages, so it follows.
  if (args.command === 'tail' && !args.fromBeginning) args.follow = true;
  return args;
}

/** Left-aligned columns separated by two spaces; fixed widths keep a streamed table aligned row by row. */
function formatRow(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
    .join('  ')
    .trimEnd();
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [headers, ...rows].map((r) => formatRow(r, widths)).join('\n');
}

const dash = (v: string | number | null | undefined): string =>
  v === null || v === undefined || v === '' ? '-' : String(v);

const TAIL_HEADERS = [
  'TIME',
  'PART:OFFSET',
  'KEY',
  'EVENT TYPE',
  'EVENT ID',
  'CORRELATION ID',
  'CAUSATION ID',
  'PRODUCER',
  'TRACEPARENT',
];
const DLQ_TAIL_HEADERS = ['REASON', 'CONSUMER', 'ORIGIN', 'ATTEMPTS', 'FAILED AT', 'ERROR'];
// Widths of what our events carry (ISO time, UUIDs, W3C traceparent) so a followed table stays aligned.
const TAIL_WIDTHS = [24, 11, 36, 24, 36, 36, 36, 9, 55];
const DLQ_TAIL_WIDTHS = [18, 18, 26, 8, 24, 0];

function tailRow(m: DecodedMessage): string[] {
  const row = [
    m.time,
    `${m.partition}:${m.offset}`,
    dash(m.key),
    dash(m.eventType),
    dash(m.eventId),
    dash(m.correlationId),
    dash(m.causationId),
    dash(m.producer),
    dash(m.traceparent),
  ];
  if (m.dlq) {
    const origin = m.dlq.originalTopic
      ? `${m.dlq.originalTopic}:${dash(m.dlq.originalPartition)}:${dash(m.dlq.originalOffset)}`
      : '-';
    row.push(
      dash(m.dlq.reason),
      dash(m.dlq.consumer),
      origin,
      dash(m.dlq.attempts),
      dash(m.dlq.failedAt),
      dash(m.dlq.error?.replace(/\s+/g, ' ').slice(0, 120)),
    );
  }
  return row;
}

async function tail(kafka: ReturnType<typeof createKafka>, topic: string, args: Args): Promise<number> {
  const dlq = topic.endsWith('.dlq');
  const headers = dlq ? [...TAIL_HEADERS, ...DLQ_TAIL_HEADERS] : TAIL_HEADERS;
  const widths = dlq ? [...TAIL_WIDTHS, ...DLQ_TAIL_WIDTHS] : TAIL_WIDTHS;
  const collected: string[][] = [];
  let shown = 0;
  let headerPrinted = false;
  let stop: (() => Promise<void>) | null = null;
  let limitReached = false;
  const handle = await tailTopic(kafka, topic, {
    fromBeginning: args.fromBeginning,
    follow: args.follow,
    onMessage: (raw) => {
      if (args.limit !== undefined && shown >= args.limit) return;
      if (args.key !== undefined && raw.key !== args.key) return;
      const m = decodeMessage(raw);
      shown++;
      if (args.json) console.log(JSON.stringify(m));
      else if (!args.follow) collected.push(tailRow(m));
      else {
        if (!headerPrinted) console.log(formatRow(headers, widths));
        headerPrinted = true;
        console.log(formatRow(tailRow(m), widths));
      }
      if (args.limit !== undefined && shown >= args.limit) {
        limitReached = true;
        void stop?.();
      }
    },
  });
  stop = handle.stop;
  if (limitReached) void stop();
  if (args.follow) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void handle.stop());
    // On stderr even with --json: NDJSON stays clean, and a script knows from when new messages are caught.
    const from = args.fromBeginning ? 'the beginning' : 'the current end';
    console.error(`following ${topic} from ${from} (Ctrl-C to stop)`);
  }
  await handle.done;
  if (!args.json && !args.follow) {
    if (collected.length) console.log(table(headers, collected));
    console.error(`${collected.length} message(s)`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  let brokers: string[];
  try {
    args = parseArgs(argv);
    brokers = loadKafkaCliConfig(
      args.brokers === undefined ? process.env : { ...process.env, KAFKA_BROKERS: args.brokers },
    ).brokers;
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof ConfigError)) throw err;
    const message =
      err instanceof ConfigError ? err.message.replace('KAFKA_BROKERS', '--brokers') : err.message;
    console.error(`topics: ${message}\n${USAGE}`);
    return 2;
  }
  // An operator facing a dead broker wants an answer in seconds, not after the services' long retry budget.
  const kafka = createKafka({ brokers, clientId: 'ordermesh-topics-cli', retries: 2 }, () => undefined);
  const out = (doc: unknown): void => console.log(JSON.stringify(doc, null, 2));
  try {
    switch (args.command) {
      case 'list': {
        const topics = await listTopicSummaries(kafka);
        if (args.json) {
          out(topics);
          return 0;
        }
        if (!topics.length) console.log('no topics');
        else
          console.log(
            table(
              ['TOPIC', 'PARTITIONS', 'MESSAGES', 'DLQ'],
              topics.map((t) => [t.topic, String(t.partitions), String(t.messages), t.dlq ? 'yes' : '']),
            ),
          );
        return 0;
      }
      case 'describe': {
        const d = await describeTopic(kafka, args.target!);
        if (args.json) {
          out(d);
          return 0;
        }
        console.log(
          `${d.topic}: ${d.partitions.length} partition(s), ${d.messages} message(s)${d.dlq ? ', dead-letter topic' : ''}\n`,
        );
        console.log(
          table(
            ['PARTITION', 'LEADER', 'REPLICAS', 'LOW', 'HIGH', 'MESSAGES'],
            d.partitions.map((p) => [
              String(p.partition),
              String(p.leader),
              p.replicas.join(','),
              p.low,
              p.high,
              String(p.messages),
            ]),
          ),
        );
        console.log('');
        if (!d.groups.length) console.log('no consumer group reads it');
        else
          console.log(
            table(
              ['GROUP', 'STATE', 'LAG'],
              d.groups.map((g) => [g.groupId, g.state, String(g.lag)]),
            ),
          );
        return 0;
      }
      case 'tail':
        return await tail(kafka, args.target!, args);
      case 'groups': {
        const groups = await listGroupSummaries(kafka, { includeInspection: args.all });
        if (args.json) {
          out(groups);
          return 0;
        }
        if (!groups.length) console.log('no consumer groups');
        else
          console.log(
            table(
              ['GROUP', 'STATE', 'MEMBERS', 'TOPICS', 'LAG'],
              groups.map((g) => [
                g.groupId,
                g.state,
                String(g.members),
                g.topics.join(',') || '-',
                String(g.lag),
              ]),
            ),
          );
        return 0;
      }
      case 'lag': {
        const r = await groupLag(kafka, args.target!);
        if (args.json) {
          out(r);
          return 0;
        }
        console.log(`${r.groupId}: ${r.state}, ${r.members} member(s), total lag ${r.lag}\n`);
        console.log(
          table(
            ['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG'],
            [
              ...r.partitions.map((p) => [
                p.topic,
                String(p.partition),
                BigInt(p.committed) < 0n ? '-' : p.committed,
                p.high,
                String(p.lag),
              ]),
              ['TOTAL', '', '', '', String(r.lag)],
            ],
          ),
        );
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof TopicNotFoundError || err instanceof GroupNotFoundError) {
      console.error(`topics: ${err.message}`);
      return 1;
    }
    if (err instanceof Error && /^KafkaJS/.test(err.name)) {
      console.error(`topics: cannot reach Kafka at ${brokers.join(',')}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`topics: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
