import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PG_POOL } from '@ordermesh/platform';
import { Pool } from 'pg';
import { PrismaClient } from './generated/client';

/** The inventory database through Prisma, on the app's shared pg pool (closed by DatabaseModule). */
@Injectable()
export class InventoryPrisma extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(PG_POOL) pool: Pool) {
    super({ adapter: new PrismaPg(pool) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
