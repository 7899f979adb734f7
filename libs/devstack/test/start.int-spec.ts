import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, loadDevStackConfig, workspaceRoot } from '../src';

// The broker of this half of the run (ORDERMESH_KAFKA): `npm start` must behave the same on either.
const kind = loadDevStackConfig(process.env).kafka.kind;

/** `npm start` as a user runs it: the built supervisor, real PostgreSQL, a Kafka broker and three services. */
describe(`npm start (on the ${kind} broker)`, () => {
  const root = workspaceRoot();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordermesh-start-'));
  let env: NodeJS.ProcessEnv;
  let ports: { order: number; inventory: number; payment: number };

  beforeAll(async () => {
    expect(
      spawnSync(process.execPath, [path.join(root, 'tools/build.mjs'), '--quiet'], { cwd: root }).status,
    ).toBe(0);
    ports = { order: await freePort(), inventory: await freePort(), payment: await freePort() };
    env = {
      ...process.env,
      ORDERMESH_DATA_DIR: dataDir,
      ORDERMESH_PG_PORT: String(await freePort()),
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      ORDER_PORT: String(ports.order),
      INVENTORY_PORT: String(ports.inventory),
      PAYMENT_PORT: String(ports.payment),
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function start(): Promise<{ child: ChildProcess; output: () => string; upSeconds: number }> {
    const child = spawn(process.execPath, [path.join(root, 'dist/libs/devstack/src/cli/start.js')], {
      cwd: root,
      env,
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not up after 60 s:\n${out}`)), 60_000);
      const poll = setInterval(() => {
        const m = /ordermesh is up in ([\d.]+)s/.exec(out);
        if (m) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve({ child, output: () => out, upSeconds: Number(m[1]) });
        }
      }, 100);
      child.once('exit', (code) => {
        clearTimeout(timer);
        clearInterval(poll);
        reject(new Error(`exited with ${code} before it was up:\n${out}`));
      });
    });
  }

  function interrupt(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGINT');
    });
  }

  it('brings three healthy services up, stops cleanly on Ctrl-C, and keeps data across restarts', async () => {
    const first = await start();
    expect(first.upSeconds).toBeLessThan(30);
    expect(first.output()).toMatch(
      kind === 'apache'
        ? /kafka +Apache Kafka 4\.\d+\.\d+ on 127\.0\.0\.1:\d+/
        : /kafka +embedded broker on /,
    );
    for (const port of Object.values(ports)) {
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
    }
    const sku = `KEEP-${Date.now()}`;
    const created = await fetch(`http://127.0.0.1:${ports.inventory}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku, name: 'Kept', unitPrice: 100, currency: 'EUR', initialStock: 3 }),
    });
    expect(created.status).toBe(201);

    expect(await interrupt(first.child)).toBe(0);
    expect(first.output()).toContain('ordermesh: stopped');
    await expect(fetch(`http://127.0.0.1:${ports.order}/health/live`)).rejects.toThrow();

    const second = await start();
    try {
      const kept = await fetch(`http://127.0.0.1:${ports.inventory}/products/${sku}`);
      expect(kept.status).toBe(200);
      expect(second.output()).toMatch(
        /migrations: 0 applied, [1-9]\d* already applied \(platform: 0 applied, [1-9]\d* already applied\)/,
      );
    } finally {
      expect(await interrupt(second.child)).toBe(0);
    }
  });
});
