import type { FactoryProvider, Provider, Type } from '@nestjs/common';
import type { EventType } from '@ordermesh/contracts';
import type { Pool } from 'pg';
import { PG_POOL } from '../db/database.module';
import { Producer, TransactionalUnits } from './units';
import type { Reaction, UnitOfWorkStore } from './unit-of-work';

/** A service's saga table as code: each event it consumes and the one reaction class that handles it. */
export type ReactionTable<W, C> = { [T in EventType]?: Type<Reaction<W, C, T>> };

/** What a service consumes with: its reactions by event type, the store behind its unit of work, its producer. */
export interface ServiceReactions<W = unknown, C = unknown> {
  producer: Producer;
  store: UnitOfWorkStore<W, C>;
  reactions: ReadonlyMap<string, Reaction<W, C>>;
}

/** The token the Kafka event transport reads a service's reactions from. */
export const SERVICE_REACTIONS = Symbol('SERVICE_REACTIONS');

export interface ReactionsDefinition<W, C> {
  producer: Producer;
  /** The infrastructure class implementing the service's unit of work. */
  store: Type<UnitOfWorkStore<W, C>>;
  reactions: ReactionTable<W, C>;
  /** Token of the service's command port (`UnitsOfWork<W, C>`), provided over the same store. */
  commands?: symbol;
}

/**
 * The Nest providers of a service's reactions: every reaction class, the store, the table the transport consumes
 * with, and (optionally) the command port. Adding a reaction is one class and one line in the table.
 */
export function provideReactions<W, C>(def: ReactionsDefinition<W, C>): Provider[] {
  const classes = [...new Set(Object.values(def.reactions))] as Type<Reaction<W, C>>[];
  const table: FactoryProvider = {
    provide: SERVICE_REACTIONS,
    // The reactions are injected, not looked up: a lookup while Nest is still resolving a reaction's own
    // dependencies (e.g. an async factory) returns an instance whose constructor has not run yet.
    inject: [def.store, ...classes],
    useFactory: (store: UnitOfWorkStore<W, C>, ...instances: Reaction<W, C>[]): ServiceReactions<W, C> => {
      const byClass = new Map(classes.map((cls, i) => [cls, instances[i]!]));
      return {
        producer: def.producer,
        store,
        reactions: new Map(
          Object.entries(def.reactions).map(([type, cls]) => [
            type,
            byClass.get(cls as Type<Reaction<W, C>>)!,
          ]),
        ),
      };
    },
  };
  const commands: Provider[] = def.commands
    ? [
        {
          provide: def.commands,
          inject: [PG_POOL, def.store],
          useFactory: (pool: Pool, store: UnitOfWorkStore<W, C>) =>
            new TransactionalUnits(pool, store, def.producer),
        },
      ]
    : [];
  return [def.store, ...classes, table, ...commands];
}
