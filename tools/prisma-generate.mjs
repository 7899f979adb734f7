// Generates each service's Prisma client (runs on `npm install`). Generation never connects to a database
// and never needs the schema engine, so a placeholder URL and engine path keep the CLI offline.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const services = ['order', 'inventory', 'payment'];
const placeholderEngine = path.join(root, '.data', 'no-schema-engine');
mkdirSync(path.dirname(placeholderEngine), { recursive: true });
if (!existsSync(placeholderEngine)) writeFileSync(placeholderEngine, '');

for (const service of services) {
  const res = spawnSync(
    path.join(root, 'node_modules/.bin/prisma'),
    ['generate', '--config', `prisma/${service}/prisma.config.ts`],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://generate@localhost:5432/generate',
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? placeholderEngine,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    },
  );
  if (res.status !== 0) {
    console.error(`prisma generate failed for ${service}`);
    process.exit(res.status ?? 1);
  }
}
console.log(`Prisma clients generated for ${services.join(', ')}`);
