// npm run db:migrate: build with SWC, then apply every service's migrations (libs/devstack/src/cli/db-migrate.ts).
process.argv.splice(2, 0, 'libs/devstack/src/cli/db-migrate.js');
await import('./run-built.mjs');
