// Tables in every service database that the platform creates and migrates (libs/platform/migrations, ADR 0013).
// No service's schema.prisma describes them, so Prisma Migrate is told they are external instead of drift.
export const platformTables = [
  'public.outbox',
  'public.outbox_relay_state',
  'public.processed_messages',
  'public._platform_migrations',
];
