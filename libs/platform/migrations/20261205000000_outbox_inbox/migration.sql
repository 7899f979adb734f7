-- The platform's tables in every service database: the transactional outbox, the relay's idle flag and the inbox
-- (ADR 0013). Until then each service's migrations created them; this one must also adopt a database those built,
-- with rows in it: every statement leaves an existing object (and its rows) as it is, or replaces code only.

-- Transactional outbox: written in the same transaction as the business change, published by the relay.
CREATE TABLE IF NOT EXISTS "outbox" (
    "id" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "schema_version" INTEGER NOT NULL,
    "aggregate_type" TEXT NOT NULL,
    "aggregate_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX IF NOT EXISTS "outbox_event_id_key" ON "outbox"("event_id");
CREATE INDEX IF NOT EXISTS "outbox_aggregate_id_id_idx" ON "outbox"("aggregate_id", "id");
-- The relay scans only unpublished rows, in id order.
CREATE INDEX IF NOT EXISTS "outbox_unpublished_idx" ON "outbox"("id") WHERE "published_at" IS NULL;

-- Inbox: one row per (consumer, event) handled, committed with the handler's effect.
CREATE TABLE IF NOT EXISTS "processed_messages" (
    "consumer" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_messages_pkey" PRIMARY KEY ("consumer","event_id")
);

-- A transaction that sends NOTIFY takes a database-wide lock while it commits, which serialises every writer under
-- load; so outbox inserts notify only while the relay says it is idle and listening. One row.
CREATE TABLE IF NOT EXISTS "outbox_relay_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "listening" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "outbox_relay_state_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "outbox_relay_state_single_row" CHECK ("id" = 1)
);

INSERT INTO "outbox_relay_state" ("id", "listening") VALUES (1, false) ON CONFLICT ("id") DO NOTHING;

-- Left by a database migrated only up to the services' old 20261122140000_outbox_relay_listen (undone since: its
-- locks stalled writers; the relay re-checks the outbox shortly after going idle instead).
DROP FUNCTION IF EXISTS "outbox_relay_listen"(integer);

-- Wakes the relay (LISTEN outbox). NOTIFY is delivered at commit and coalesced per transaction; the relay also
-- polls, so a lost notification only adds latency.
CREATE OR REPLACE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "outbox_relay_state" WHERE "listening") THEN
    PERFORM pg_notify('outbox', '');
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"();
