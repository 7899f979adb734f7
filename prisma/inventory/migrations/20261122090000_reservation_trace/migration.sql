-- The saga's trace context, kept with the hold so its expiry (which no incoming event causes) joins the saga's trace.
ALTER TABLE "reservations" ADD COLUMN "trace_parent" VARCHAR(64);
