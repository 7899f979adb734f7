// npm run test:containers: npm test with the integration suites on PostgreSQL and Apache Kafka containers
// (testcontainers; needs a Docker or Podman engine). Sets the switch here so the script works on every shell.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const testRunner = path.join(path.dirname(fileURLToPath(import.meta.url)), 'test.mjs');
const res = spawnSync(process.execPath, [testRunner, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, ORDERMESH_TEST_INFRA: 'containers' },
});
process.exit(res.status ?? 1);
