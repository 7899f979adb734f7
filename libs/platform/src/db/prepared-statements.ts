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

/**
 * A pg client that runs every parameterised text query as a named prepared statement: PostgreSQL parses and plans
 * it once per connection (and then uses a generic plan) instead of on every call. Measured on the saga benchmark
 * this cut PostgreSQL's CPU per order by about 40 % (docs/benchmarks.md). Queries given as config objects (what
 * Prisma's driver adapter sends) and queries without parameters (BEGIN, COMMIT, DDL) pass through untouched.
 * Used as the `Client` of every service pool and by the outbox relay.
 */
export class PreparedStatementClient extends Client {}

const baseQuery = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;

// Assigned rather than overridden: pg's query() has a dozen typed overloads, and only (text, values[, callback])
// calls are rewritten; everything else reaches pg exactly as given.
PreparedStatementClient.prototype.query = function (this: Client, ...args: unknown[]) {
  const [text, values, callback] = args;
  if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
    const name = processNames.nameFor(text);
    if (name) {
      const config = { name, text, values };
      return typeof callback === 'function'
        ? baseQuery.call(this, config, callback)
        : baseQuery.call(this, config);
    }
  }
  return baseQuery.apply(this, args);
} as Client['query'];
