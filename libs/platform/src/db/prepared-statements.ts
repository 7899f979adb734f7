import { createHash } from 'node:crypto';
import { Client } from 'pg';

/**
 * Distinct statement texts that get a server-side prepared statement. Each connection keeps every statement it
 * prepared until it closes, so the set must stay bounded: hand-written SQL has a fixed set of texts (variable-length
 * inputs go in as arrays through unnest), and anything past the cap simply runs unnamed as before.
 */
export const MAX_PREPARED_STATEMENTS = 256;

/** Names statement texts, up to a cap of distinct texts. */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly cap = MAX_PREPARED_STATEMENTS) {}

  /** The prepared-statement name for a statement text, or null once the cap is reached for new texts. */
  nameFor(text: string): string | null {
    const known = this.names.get(text);
    if (known !== undefined) return known;
    if (this.names.size >= this.cap) return null;
    // A digest, not a counter: the same text gets the same name in every process, which keeps server logs and
    // pg_prepared_statements comparable between instances.
    const name = `om_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    this.names.set(text, name);
    return name;
  }
}

const processNames = new StatementNames();

/** Uses of a statement on one connection after which it is prepared (and planned) again; then after each doubling. */
export const REPLAN_FIRST_AFTER = 64;

/**
 * Which preparation of a statement its `uses`-th use on a connection (counting from 0) runs: 0 until
 * REPLAN_FIRST_AFTER uses, then one more each time the count doubles. A prepared statement keeps the generic plan
 * PostgreSQL made after its first few executions until something invalidates it (DDL, an ANALYZE of a table it
 * reads). Made while a table was small, that plan scans it sequentially — the cheapest way to find a few rows in a
 * few pages — and goes on scanning as the table grows (measured from a fresh database: 56 M rows of `orders` and
 * 23 M of `reservations` read by the consumer runs' `= ANY($ids)` lookups in 40 s, over a quarter of PostgreSQL's CPU).
 * Preparing again after each doubling of uses keeps plans in step with tables that grow with use, for about a
 * dozen re-plans per million uses.
 */
export function planGeneration(uses: number): number {
  return uses < REPLAN_FIRST_AFTER ? 0 : Math.floor(Math.log2(uses / REPLAN_FIRST_AFTER)) + 1;
}

/** pg's per-connection bookkeeping of named statements (parsed, or sent and awaiting ParseComplete). */
interface PgConnectionStatements {
  parsedStatements: Record<string, string | undefined>;
  submittedNamedStatements?: Record<string, string | undefined>;
}

/**
 * A pg client that runs every parameterised text query as a named prepared statement: PostgreSQL parses and plans
 * it once per connection (and then uses a generic plan) instead of on every call. Measured on the saga benchmark
 * this cut PostgreSQL's CPU per order by about 40 % (docs/benchmarks.md). Queries given as config objects (what
 * Prisma's driver adapter sends) and queries without parameters (BEGIN, COMMIT, DDL) pass through untouched.
 * Used as the `Client` of every service pool and by the outbox relay.
 */
export class PreparedStatementClient extends Client {
  /** Uses of each statement text on this connection. */
  readonly statementUses = new Map<string, number>();
  declare deallocate: (name: string) => void;
}

const baseQuery = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;

// Assigned rather than overridden: pg's query() has a dozen typed overloads, and only (text, values[, callback])
// calls are rewritten; everything else reaches pg exactly as given.
PreparedStatementClient.prototype.query = function (this: PreparedStatementClient, ...args: unknown[]) {
  const [text, values, callback] = args;
  if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
    const base = processNames.nameFor(text);
    if (base) {
      const uses = this.statementUses.get(text) ?? 0;
      this.statementUses.set(text, uses + 1);
      const generation = planGeneration(uses);
      const name = generation === 0 ? base : `${base}_${generation}`;
      if (uses > 0 && planGeneration(uses - 1) !== generation) {
        this.deallocate(generation === 1 ? base : `${base}_${generation - 1}`);
      }
      const config = { name, text, values };
      return typeof callback === 'function'
        ? baseQuery.call(this, config, callback)
        : baseQuery.call(this, config);
    }
  }
  return baseQuery.apply(this, args);
} as Client['query'];

/**
 * Frees a superseded preparation on the server. Queued like any query, so it runs after queries already queued with
 * that name; sent only for a name pg knows was sent, so it cannot fail inside a healthy transaction.
 */
PreparedStatementClient.prototype.deallocate = function (this: PreparedStatementClient, name: string) {
  const conn = (this as unknown as { connection: PgConnectionStatements }).connection;
  const sent =
    conn.parsedStatements[name] !== undefined || conn.submittedNamedStatements?.[name] !== undefined;
  if (!sent) return;
  delete conn.parsedStatements[name];
  if (conn.submittedNamedStatements) delete conn.submittedNamedStatements[name];
  (baseQuery.call(this, `DEALLOCATE ${name}`) as Promise<unknown>).catch(() => undefined);
};
