import { loadDevStackConfig } from '../config';
import { migrateAll, startDatabases } from '../stack';

/**
 * `npm run db:migrate`: applies every service's SQL migrations. With ORDER_/INVENTORY_/PAYMENT_DATABASE_URL set it
 * migrates those databases (docker compose, CI against real Postgres); otherwise the embedded cluster under .data/.
 */
async function main(): Promise<void> {
  const config = loadDevStackConfig();
  if (config.externalDatabases) {
    console.log('ordermesh: migrating the configured databases');
    await migrateAll(config.externalDatabases, (line) => console.log(line));
    return;
  }
  console.log('ordermesh: migrating the embedded cluster');
  const { postgres } = await startDatabases(config, (line) => console.log(line));
  await postgres.stop();
}

main().catch((err: unknown) => {
  console.error(`ordermesh: migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
