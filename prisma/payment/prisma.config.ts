// Used by the Prisma CLI only (client generation). Migrations are applied by the project's own runner
// (`npm run db:migrate`, see docs/adr/0002-migrations-without-prisma-engines.md); the URL is a placeholder
// supplied by tools/prisma-generate.mjs because generation never connects.
import { defineConfig, env } from 'prisma/config';
import { platformTables } from '../platform-tables';

export default defineConfig({
  schema: './schema.prisma',
  migrations: { path: './migrations' },
  datasource: { url: env('DATABASE_URL') },
  experimental: { externalTables: true },
  tables: { external: platformTables },
});
