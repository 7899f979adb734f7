-- Hand-written: wake the outbox relay (LISTEN outbox) when events are written. NOTIFY is delivered at commit and
-- coalesced per transaction; the relay still polls as a fallback, so a lost notification only adds latency.
CREATE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"();
