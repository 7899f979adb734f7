-- Hand-written. A transaction that sends NOTIFY takes a database-wide lock while it commits, which serialises every
-- order placement and every saga step under load. The relay now says when it is idle and listening; only then do
-- outbox inserts notify. A busy relay polls its next batch anyway.
CREATE TABLE "outbox_relay_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "listening" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "outbox_relay_state_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "outbox_relay_state_single_row" CHECK ("id" = 1)
);

INSERT INTO "outbox_relay_state" ("id", "listening") VALUES (1, false);

CREATE OR REPLACE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "outbox_relay_state" WHERE "listening") THEN
    PERFORM pg_notify('outbox', '');
  END IF;
  RETURN NULL;
END
$$;
