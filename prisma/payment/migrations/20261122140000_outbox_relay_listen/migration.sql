-- Hand-written. The relay's switch to idle must not miss a row: an outbox insert decides whether to NOTIFY by reading
-- `listening` when it runs, but becomes visible only when its transaction commits. A writer that read `false`, then
-- committed after the relay had raised the flag and found the outbox empty, sent no NOTIFY and waited for the next
-- insert or poll. Writers now hold a shared advisory lock from their outbox insert to their commit; the relay raises
-- the flag under the exclusive lock, so every writer either finished before its check or reads the raised flag.

CREATE OR REPLACE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtext('outbox_relay_state'), 0);
  IF EXISTS (SELECT 1 FROM "outbox_relay_state" WHERE "listening") THEN
    PERFORM pg_notify('outbox', '');
  END IF;
  RETURN NULL;
END
$$;

-- Called by the relay when a batch came back empty: raises `listening` once no writer is between its outbox insert
-- and its commit, and says whether rows are waiting (true: publish them instead of sleeping). The wait is bounded
-- (lock_not_available after `lock_wait_ms`): writers queue behind the relay's request, so one writer holding the lock
-- long must not stall the others.
CREATE OR REPLACE FUNCTION "outbox_relay_listen"("lock_wait_ms" integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('lock_timeout', "lock_wait_ms" || 'ms', true);
  PERFORM pg_advisory_xact_lock(hashtext('outbox_relay_state'), 0);
  UPDATE "outbox_relay_state" SET "listening" = true WHERE "id" = 1 AND NOT "listening";
  RETURN EXISTS (SELECT 1 FROM "outbox" WHERE "published_at" IS NULL);
END
$$;
