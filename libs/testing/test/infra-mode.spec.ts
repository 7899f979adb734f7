import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pinnedKafkaVersion } from '@ordermesh/devstack';
import {
  assertContainerRuntime,
  ContainerRuntimeUnavailableError,
  KAFKA_IMAGE,
  POSTGRES_IMAGE,
} from '../src/containers';
import {
  parseTestInfraMode,
  TEST_INFRA_VAR,
  TEST_KAFKA_VAR,
  TEST_PG_URL_VAR,
  TestInfraConfigError,
  testInfraMode,
} from '../src/jest/cluster-env';
import globalSetup from '../src/jest/global-setup';
import { startSagaStack } from '../src/saga-stack';

const NO_RUNTIME = /^ORDERMESH_TEST_INFRA=containers needs a Docker \(or Podman\) engine: /;
const ROOT = path.resolve(__dirname, '../../..');
const HARNESS_VARS = [TEST_INFRA_VAR, TEST_PG_URL_VAR, TEST_KAFKA_VAR];

let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = Object.fromEntries(HARNESS_VARS.map((k) => [k, process.env[k]]));
  for (const k of HARNESS_VARS) delete process.env[k];
});
afterEach(() => {
  for (const k of HARNESS_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('ORDERMESH_TEST_INFRA parsing', () => {
  it('defaults to the embedded path when unset or empty', () => {
    expect(parseTestInfraMode(undefined)).toBe('embedded');
    expect(parseTestInfraMode('')).toBe('embedded');
  });

  it('accepts exactly the two modes', () => {
    expect(parseTestInfraMode('embedded')).toBe('embedded');
    expect(parseTestInfraMode('containers')).toBe('containers');
  });

  it.each(['docker', 'Containers', ' containers', 'testcontainers'])(
    'refuses %j with a typed error',
    (raw) => {
      let caught: unknown;
      try {
        parseTestInfraMode(raw);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(TestInfraConfigError);
      expect((caught as TestInfraConfigError).code).toBe('TESTING.BAD_INFRA_MODE');
      expect((caught as Error).message).toBe(
        `ORDERMESH_TEST_INFRA must be one of "embedded", "containers" (got "${raw}")`,
      );
    },
  );

  it('reads the mode from the environment', () => {
    expect(testInfraMode()).toBe('embedded');
    process.env[TEST_INFRA_VAR] = 'containers';
    expect(testInfraMode()).toBe('containers');
  });

  it('the global setup refuses a bad value before starting anything', async () => {
    process.env[TEST_INFRA_VAR] = 'dokcer';
    await expect(globalSetup()).rejects.toBeInstanceOf(TestInfraConfigError);
    expect(process.env[TEST_PG_URL_VAR]).toBeUndefined();
    expect(process.env[TEST_KAFKA_VAR]).toBeUndefined();
  });

  it('pins server images the harness expects (Postgres 18 like the embedded cluster, Apache Kafka as pinned)', () => {
    expect(POSTGRES_IMAGE).toMatch(/^postgres:18-/);
    expect(KAFKA_IMAGE).toBe(`apache/kafka:${pinnedKafkaVersion(ROOT)}`);
  });

  it('runs one Kafka version everywhere: the JVM broker, docker-compose.yml and the containers suite', () => {
    const version = pinnedKafkaVersion(ROOT);
    expect(version).toMatch(/^4\.\d+\.\d+$/);
    const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const images = [...compose.matchAll(/image:\s*(apache\/kafka\S*)/g)].map((m) => m[1]);
    expect(images).toEqual([`apache/kafka:${version}`]);
    expect(KAFKA_IMAGE).toBe(images[0]);
  });
});

describe('suites that test the embedded infrastructure itself', () => {
  const setupOf = async (config: string): Promise<string | undefined> =>
    ((await import(path.join(ROOT, config))) as { globalSetup?: string }).globalSetup;

  it('get no shared-infrastructure global setup, so they stay embedded in either mode', async () => {
    expect(await setupOf('libs/embedded-kafka/jest.int.config.js')).toBeUndefined();
    expect(await setupOf('libs/devstack/jest.int.config.js')).toBeUndefined();
    expect(await setupOf('libs/testing/jest.int.config.js')).toBe(
      path.join(ROOT, 'libs/testing/src/jest/global-setup.ts'),
    );
  });
});

describe('container runtime check', () => {
  it('fails fast when the runtime does not answer', async () => {
    const started = Date.now();
    const never = () => new Promise<never>(() => undefined);
    const err = await assertContainerRuntime({ probe: never, timeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerRuntimeUnavailableError);
    expect((err as Error).message).toMatch(NO_RUNTIME);
    expect((err as Error).message).toContain('no answer within 50 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('names the probe failure in the message', async () => {
    const failing = () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock'));
    const err = await assertContainerRuntime({ probe: failing }).catch((e: unknown) => e);
    expect((err as ContainerRuntimeUnavailableError).code).toBe('TESTING.NO_CONTAINER_RUNTIME');
    expect((err as Error).message).toMatch(NO_RUNTIME);
    expect((err as Error).message).toContain('connect ENOENT /var/run/docker.sock');
  });
});

// Against this machine's real state: testcontainers' own probe, in a child process so the answer is known when tests
// are declared, decides which of these apply (never a fake runtime). Where an engine exists they are reported skipped.
const runtimeReachable =
  spawnSync(
    process.execPath,
    [
      '-e',
      "require('testcontainers').getContainerRuntimeClient().then(() => process.exit(0), () => process.exit(1))",
    ],
    { cwd: ROOT, timeout: 60_000, stdio: 'ignore' },
  ).status === 0;
const withoutEngine = runtimeReachable ? it.skip : it;

describe('containers mode on this machine', () => {
  it('the runtime check agrees with testcontainers about whether an engine is reachable', async () => {
    const outcome = await assertContainerRuntime().then(
      () => 'reachable',
      (e: Error) => e.message,
    );
    if (runtimeReachable) expect(outcome).toBe('reachable');
    else expect(outcome).toMatch(NO_RUNTIME);
  });

  withoutEngine('the global setup fails fast with the clear message and starts nothing', async () => {
    process.env[TEST_INFRA_VAR] = 'containers';
    const started = Date.now();
    await expect(globalSetup()).rejects.toThrow(NO_RUNTIME);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(process.env[TEST_PG_URL_VAR]).toBeUndefined();
    expect(process.env[TEST_KAFKA_VAR]).toBeUndefined();
    expect(globalThis.__ORDERMESH_PG__).toBeUndefined();
    expect(globalThis.__ORDERMESH_KAFKA__).toBeUndefined();
  });

  withoutEngine('a saga stack fails with the clear message before touching a database', async () => {
    process.env[TEST_INFRA_VAR] = 'containers';
    const unreached = () => {
      throw new Error('a service was built');
    };
    // No cluster URL is set: reaching createTestDatabase would fail with a different message.
    await expect(
      startSagaStack({ services: { order: unreached, inventory: unreached, payment: unreached } }),
    ).rejects.toThrow(NO_RUNTIME);
  });
});
