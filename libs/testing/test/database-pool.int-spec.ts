import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DatabaseModule, PG_POOL } from '@ordermesh/platform';
import type { Pool } from 'pg';
import { createTestDatabase, TestDatabase, withClient } from '../src';

/** The service pool survives the server closing its idle connections (restart, failover, a terminated backend). */
describe('database pool (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('order');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('drops a connection the server terminated and answers the next query on a new one', async () => {
    @Module({ imports: [DatabaseModule.forRoot({ url: db.url, poolSize: 2, applicationName: 'pool-test' })] })
    class PoolTestModule {}
    const moduleRef = await NestFactory.createApplicationContext(PoolTestModule, { logger: false });
    const pool = moduleRef.get<Pool>(PG_POOL);
    try {
      const before = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      expect(pool.idleCount).toBe(1);
      // Another session kills the idle backend, as a server restart or an operator would.
      await withClient(db.url, (c) => c.query('SELECT pg_terminate_backend($1)', [before]));
      await new Promise((r) => setTimeout(r, 200));
      expect(pool.totalCount).toBe(0);
      const after = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      expect(after).not.toBe(before);
    } finally {
      await moduleRef.close();
    }
  });
});
