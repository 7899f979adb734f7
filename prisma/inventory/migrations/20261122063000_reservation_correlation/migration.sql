-- AlterTable: the saga's correlation id, so events the expiry sweep emits (no causing event) stay in the order's saga.
ALTER TABLE "reservations" ADD COLUMN "correlation_id" VARCHAR(128);
