-- The W3C trace context of each history line (from the event's traceparent), to jump from an order's timeline
-- to its traces. Null for lines recorded before, or for events that carried no trace context.
ALTER TABLE "order_history" ADD COLUMN "trace_id" CHAR(32),
ADD COLUMN "span_id" CHAR(16);
