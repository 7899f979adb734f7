import { Pool, PoolClient } from 'pg';

/** SQLSTATEs after which the whole transaction may simply be run again. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

export function isRetryableTransactionError(err: unknown): boolean {
  return RETRYABLE_SQLSTATES.has((err as { code?: string })?.code ?? '');
}

/** Connection-level failures: the database or network went away. Worth retrying later, not immediately. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P03' ||
    code === '53300' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect/i.test((err as Error)?.message ?? '')
  );
}

/**
 * Runs `fn` in one transaction (READ COMMITTED), committing on success and rolling back on any error.
 * Serialization failures and deadlocks re-run the whole function, up to `attempts` times.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (tx: PoolClient) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      if (attempt < attempts && isRetryableTransactionError(err)) continue;
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
