import 'reflect-metadata';
import { createHttpApp, listen } from '@ordermesh/platform';
import { OrderAppModule } from './app.module';
import { loadOrderConfig } from './config';

async function main(): Promise<void> {
  const config = loadOrderConfig();
  const app = await createHttpApp({
    module: OrderAppModule.register(config),
    title: 'ordermesh order service',
    description: 'Places orders and tracks them through the saga.',
  });
  await listen(app, config.http.port, config.http.host);
}

main().catch((err: unknown) => {
  // Boot failures (bad config, unreachable database) end the process with the reason on stderr.
  process.stderr.write(`order service failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
