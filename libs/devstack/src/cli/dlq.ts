import { createKafka, listDlq, replayDlq } from '@ordermesh/platform';
import { loadKafkaCliConfig } from './kafka-cli-config';

const USAGE = `usage:
  npm run dlq -- list <topic> [--json]                 show dead-lettered messages of <topic> (its <topic>.dlq)
  npm run dlq -- replay <topic> [--id <eventId> ...]   re-drive them to <topic> (all, or the given event ids)
<topic> may be given with or without the .dlq suffix. Broker: KAFKA_BROKERS (default 127.0.0.1:9092).`;

async function main(argv: string[]): Promise<number> {
  const [command, topicArg, ...rest] = argv;
  if (!command || !topicArg || !['list', 'replay'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const dlqTopic = topicArg.endsWith('.dlq') ? topicArg : `${topicArg}.dlq`;
  const ids: string[] = [];
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--json') json = true;
    else if (rest[i] === '--id' && rest[i + 1]) ids.push(rest[++i]!);
    else {
      console.error(`unknown argument ${rest[i]}\n${USAGE}`);
      return 2;
    }
  }
  const kafka = createKafka({ ...loadKafkaCliConfig(), clientId: 'ordermesh-dlq-cli' }, () => undefined);
  if (command === 'list') {
    const entries = await listDlq(kafka, dlqTopic);
    if (json) {
      console.log(
        JSON.stringify(
          entries.map(({ message, ...e }) => ({ ...e, value: message.value })),
          null,
          2,
        ),
      );
      return 0;
    }
    if (!entries.length) {
      console.log(`${dlqTopic}: empty`);
      return 0;
    }
    console.log(`${dlqTopic}: ${entries.length} message(s)\n`);
    console.log(
      ['PART:OFFSET', 'EVENT TYPE', 'EVENT ID', 'CONSUMER', 'REASON', 'FAILED AT', 'ERROR'].join('\t'),
    );
    for (const e of entries) {
      console.log(
        [
          `${e.partition}:${e.offset}`,
          e.eventType ?? '-',
          e.eventId ?? '-',
          e.consumer,
          e.reason,
          e.failedAt,
          e.error.slice(0, 120),
        ].join('\t'),
      );
    }
    return 0;
  }
  const replayed = await replayDlq(kafka, dlqTopic, ids);
  console.log(`replayed ${replayed.length} message(s) from ${dlqTopic} to ${dlqTopic.replace(/\.dlq$/, '')}`);
  for (const e of replayed) console.log(`  ${e.eventType ?? '-'} ${e.eventId ?? '-'} (was ${e.reason})`);
  if (ids.length && replayed.length < ids.length) {
    console.error(
      `not found in ${dlqTopic}: ${ids.filter((id) => !replayed.some((e) => e.eventId === id)).join(', ')}`,
    );
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`dlq: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
