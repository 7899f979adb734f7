import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { provideReactions, SERVICE_REACTIONS, ServiceReactions } from './reactions';
import type { Reaction, UnitOfWorkStore } from './unit-of-work';

const SLOW_DEPENDENCY = Symbol('SLOW_DEPENDENCY');

@Injectable()
class NoStore implements UnitOfWorkStore<null, string> {
  async open(): Promise<null> {
    return null;
  }
  async flush(): Promise<void> {}
}

@Injectable()
class NeedsSlowDependency implements Reaction<null, string> {
  constructor(@Inject(SLOW_DEPENDENCY) readonly dependency: { name: string }) {}
  claims(): string {
    return 'x';
  }
  async react(): Promise<string> {
    return this.dependency.name;
  }
}

@Module({
  providers: [
    // Resolved after a few ticks, like a factory with (optional) injections of its own.
    {
      provide: SLOW_DEPENDENCY,
      useFactory: async () => {
        for (let i = 0; i < 5; i++) await Promise.resolve();
        return { name: 'gateway' };
      },
    },
    ...provideReactions({
      producer: { service: 'payment', aggregateType: 'payment' },
      store: NoStore,
      reactions: { StockReserved: NeedsSlowDependency, OrderCancelled: NeedsSlowDependency },
    }),
  ],
})
class ReactionsModule {}

describe('provideReactions', () => {
  it('hands the transport constructed reactions, even when their dependencies resolve late', async () => {
    const app = await NestFactory.createApplicationContext(ReactionsModule, { logger: false });
    try {
      const service = app.get<ServiceReactions>(SERVICE_REACTIONS);
      expect([...service.reactions.keys()]).toEqual(['StockReserved', 'OrderCancelled']);
      const reaction = service.reactions.get('StockReserved')!;
      // One instance per class, the one Nest constructed (with its dependency), shared by every type it handles.
      expect(reaction).toBe(app.get(NeedsSlowDependency));
      expect(reaction).toBe(service.reactions.get('OrderCancelled'));
      await expect(reaction.react({} as never, null)).resolves.toBe('gateway');
      expect(service.store).toBeInstanceOf(NoStore);
    } finally {
      await app.close();
    }
  });
});
