import type { Pool } from 'pg';
import type { EventEnvelope } from '@ordermesh/contracts';
import type { ServiceReactions } from './reactions';
import type { Reaction } from './unit-of-work';

/** For the platform's own specs: reactions as plain functions over a unit of work that loads and writes nothing. */
export function functionReactions(
  reactions: Record<string, (event: EventEnvelope) => Promise<void> | void>,
): ServiceReactions<null, null> {
  return {
    producer: { service: 'order', aggregateType: 'order' },
    store: { open: async () => null, flush: async () => undefined },
    reactions: new Map<string, Reaction<null, null>>(
      Object.entries(reactions).map(([type, fn]) => [
        type,
        { claims: () => null, react: async (event: EventEnvelope) => fn(event) },
      ]),
    ),
  };
}

/**
 * A pool whose connections accept any statement; the inbox INSERT answers with every event id it was given that no
 * committed transaction has recorded yet (as the real ON CONFLICT DO NOTHING … RETURNING does), and a rollback
 * forgets what its transaction recorded.
 */
export function fakeInboxPool(): Pool & { statements: string[] } {
  const statements: string[] = [];
  const committed = new Set<string>();
  let pending: string[] = [];
  const client = {
    query: async (text: string, values: unknown[] = []) => {
      const verb = text.trim().split(/\s+/)[0]!.toUpperCase();
      statements.push(verb);
      if (verb === 'COMMIT') pending.forEach((id) => committed.add(id));
      if (verb === 'COMMIT' || verb === 'ROLLBACK') pending = [];
      if (!text.includes('INSERT INTO processed_messages')) return { rowCount: 0, rows: [] };
      const fresh = [...new Set(values[1] as string[])].filter(
        (id) => !committed.has(id) && !pending.includes(id),
      );
      pending.push(...fresh);
      return { rowCount: fresh.length, rows: fresh.map((event_id) => ({ event_id })) };
    },
    release: () => undefined,
  };
  return { connect: async () => client, statements } as unknown as Pool & { statements: string[] };
}
