import { loadDevStackConfig } from '../config';
import { RunningStack, startStack, waitForHttpOk } from '../stack';

/** `npm start`: the whole system on this machine: embedded PostgreSQL, a Kafka broker (embedded, or Apache Kafka on the
 * JVM with ORDERMESH_KAFKA=apache) and the three services. */
async function main(): Promise<void> {
  const started = Date.now();
  const config = loadDevStackConfig();
  console.log(
    `ordermesh: starting the local stack on ${config.kafka.kind === 'apache' ? 'Apache Kafka (JVM)' : 'the embedded broker'}`,
  );
  const stack: RunningStack = await startStack(config, (line) => console.log(line));

  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`ordermesh: ${reason}; stopping services, broker and database...`);
    await stack.stop();
    console.log('ordermesh: stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('interrupted', 0));
  process.on('SIGTERM', () => void shutdown('terminated', 0));
  for (const s of stack.services) {
    s.child.once('exit', (code, signal) => {
      if (!stopping) void shutdown(`${s.name} exited unexpectedly (${signal ?? `code ${code}`})`, 1);
    });
  }

  try {
    await Promise.all(
      stack.services.map((s) =>
        waitForHttpOk(`${s.url}/health/ready`, 60_000, () => s.child.exitCode === null),
      ),
    );
  } catch (err) {
    await shutdown(`a service did not become ready: ${(err as Error).message}`, 1);
    return;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nordermesh is up in ${seconds}s:`);
  for (const s of stack.services) {
    console.log(`  ${s.name.padEnd(9)} ${s.url}   (docs ${s.url}/docs, health ${s.url}/health/ready)`);
  }
  console.log(
    `  kafka     ${stack.broker.address}   (${stack.broker.label}; kcat -b ${stack.broker.address} -L)`,
  );
  console.log(`  postgres  ${stack.postgres.urlFor('<order|inventory|payment>')}`);
  console.log('Press Ctrl-C to stop.\n');
}

main().catch((err: unknown) => {
  console.error(`ordermesh: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
